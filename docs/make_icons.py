"""Draw the app's icons once: a white speech bubble with a tick on the desk's blue.

    .venv/bin/python docs/make_icons.py

Writes ``static/icons/`` (192 and 512 px for the web-app manifest, 180 px for iOS's home
screen, a 32 px PNG favicon) and ``public/favicon.ico`` (served at ``/favicon.ico``).
The picture fills the square and keeps its drawing inside the middle 60 %, so the same
file serves as a "maskable" icon that Android may cut to a circle or a squircle.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
BLUE = (13, 110, 253)  # Bootstrap's primary, the colour of the desk's navigation bar
WHITE = (255, 255, 255)
SCALE = 4  # draw large, shrink: smooth edges without an anti-aliasing library


def draw(size: int) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGB", (big, big), BLUE)
    pen = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[int, int]:
        return round(x * big), round(y * big)

    # The bubble: a rounded rectangle with a tail at the bottom left.
    left, top, right, bottom = 0.22, 0.25, 0.78, 0.66
    pen.rounded_rectangle([at(left, top), at(right, bottom)], radius=round(0.09 * big), fill=WHITE)
    pen.polygon([at(0.32, 0.6), at(0.46, 0.6), at(0.3, 0.77)], fill=WHITE)
    # The tick inside it.
    width = round(0.065 * big)
    pen.line([at(0.355, 0.46), at(0.46, 0.555), at(0.65, 0.355)], fill=BLUE, width=width)
    for x, y in [(0.355, 0.46), (0.46, 0.555), (0.65, 0.355)]:  # round the ends and the joint
        cx, cy = at(x, y)
        pen.ellipse([cx - width // 2, cy - width // 2, cx + width // 2, cy + width // 2], fill=BLUE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icons = ROOT / "static" / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    for size, name in [
        (192, "icon-192.png"),
        (512, "icon-512.png"),
        (180, "apple-touch-icon.png"),
        (32, "favicon-32.png"),
    ]:
        draw(size).save(icons / name, optimize=True)
    public = ROOT / "public"
    public.mkdir(exist_ok=True)
    draw(64).save(public / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"icons written to {icons} and {public / 'favicon.ico'}")


if __name__ == "__main__":
    main()

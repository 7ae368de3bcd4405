"""Take the screenshots in docs/screenshots/, in Simplified Chinese and in English.

Needs a running server with the demo data and Debian's chromium (``make browsers``)::

    make demo && make web                       # in one terminal (http://127.0.0.1:8000)
    .venv/bin/python docs/screenshots/make_screenshots.py [BASE_URL] [--out DIR]

It logs in through the login page as the demo users ``frontdesk`` and ``eng_head`` (password
``demo1234``) and switches to English with the language menu in the header. Pages are shot at
1366x768; long ones as the full page. Files are named ``<page>-<zh|en>.png``.

Everything is read-only except one thing: to show confirm & dispatch with its countdown still
running, the script registers one complaint through the intake form (a demo resident with earlier
complaints, typed and saved by keyboard as the front desk would). Run it against demo data only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
LANGUAGES = {"zh": "zh-hans", "en": "en"}
DESCRIPTION = {
    "zh": "楼道声控灯又坏了，晚上回家看不见台阶，上次修过没几天",
    "en": "The stairwell light is out again, only days after the last repair",
}
SEARCH = "电梯"  # the demo complaints are in Chinese whatever the interface language


class Shooter:
    def __init__(self, browser, base_url: str, out: Path, password: str):
        self.browser = browser
        self.base = base_url.rstrip("/")
        self.out = out
        self.password = password
        self.taken: list[Path] = []
        self.new_complaint: int | None = None  # registered once, confirmed in neither language
        self.story: int | None = None  # a closed complaint with a long timeline

    # --- helpers ---------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path

    def log_in(self, username: str, lang: str) -> Page:
        context = self.browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(self.url("/login/"))
        page.fill("#id_username", username)
        page.fill("#id_password", self.password)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        if page.locator("[data-testid=current-user]").count() == 0:
            sys.exit(f"could not log in as {username!r} at {self.base}: is the demo data loaded?")
        if LANGUAGES[lang] != page.get_attribute("html", "lang"):
            # The language menu in the header submits itself on change.
            with page.expect_navigation():
                page.select_option("select[name=language]", LANGUAGES[lang])
        expect(page.locator("html")).to_have_attribute("lang", LANGUAGES[lang])
        return page

    def shoot(self, page: Page, name: str, lang: str, *, full_page: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        path = self.out / f"{name}-{lang}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        self.taken.append(path)
        print(f"  {path}")

    def pk_from(self, href: str) -> int:
        return int(re.search(r"/complaints/(\d+)/", href).group(1))

    # --- choosing what to show -------------------------------------------------------------
    def pick_resident_row(self, page: Page):
        """A recent complaint of someone who complained before (a repeat badge), else any."""
        page.goto(self.url("/complaints/"))
        rows = page.locator("[data-testid=results] tr")
        for i in range(rows.count()):
            row = rows.nth(i)
            if row.locator(".badge.border").count() and row.locator("td").nth(3).inner_text():
                return row
        return rows.first

    def pick_story(self, page: Page) -> int:
        """Among recent closed complaints, the one with the longest timeline."""
        page.goto(self.url("/complaints/?state=closed"))
        links = page.locator("[data-testid=results] tr td:first-child a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 12))]
        if not hrefs:
            sys.exit("no closed complaint to show: is the demo data loaded?")
        best, longest = hrefs[0], -1
        for href in hrefs:
            page.goto(self.url(href))
            n = page.locator("[data-testid=timeline] li").count()
            if n > longest:
                best, longest = href, n
        return self.pk_from(best)

    # --- the pages -------------------------------------------------------------------------
    def intake(self, page: Page, lang: str) -> None:
        """The resident picked from the look-up by room, their earlier complaints shown."""
        row = self.pick_resident_row(page)
        cell = row.locator("td").nth(3)
        name = cell.inner_text().split()[0]
        room = cell.locator("span").inner_text().strip()
        page.goto(self.url("/complaints/new/"))
        page.locator("#lookup").press_sequentially(room or name)
        expect(page.locator("#lookup-results [data-resident-id]").first).to_be_visible()
        same_name = page.locator(f"#lookup-results [data-resident-id][data-name='{name}']")
        if same_name.count():
            same_name.first.click()
        else:
            page.locator("#lookup-results [data-resident-id]").first.click()
        expect(page.locator("#history > *").first).to_be_visible()
        page.keyboard.type(DESCRIPTION[lang])
        self.shoot(page, "intake", lang)

    def register(self, page: Page) -> None:
        """Save the intake form on ``page`` (Ctrl+Enter): the complaint to confirm."""
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        self.new_complaint = self.pk_from(page.url)

    def front_desk(self, page: Page, lang: str) -> None:
        page.goto(self.url("/"))
        self.shoot(page, "desk", lang)

        page.goto(self.url(f"/complaints/{self.new_complaint}/confirm/"))
        if "/confirm/" not in page.url:
            print("  (the registered complaint is already confirmed: no confirm screenshot)")
        else:
            expect(page.get_by_test_id("countdown")).to_contain_text(re.compile(r"\d:\d\d"))
            self.shoot(page, "confirm", lang)

        if self.story is None:
            self.story = self.pick_story(page)
        page.goto(self.url(f"/complaints/{self.story}/"))
        self.shoot(page, "complaint", lang)
        page.goto(self.url(f"/complaints/{self.story}/print/"))
        self.shoot(page, "print", lang)

        page.goto(self.url("/complaints/revisits/"))
        self.shoot(page, "revisits", lang)
        page.goto(self.url(f"/complaints/?q={SEARCH}"))
        self.shoot(page, "search", lang)

    def department_head(self, lang: str) -> None:
        page = self.log_in("eng_head", lang)
        page.goto(self.url("/work-orders/"))
        self.shoot(page, "work-orders", lang)
        page.goto(self.url("/notifications/"))
        self.shoot(page, "notifications", lang, full_page=False)
        page.goto(self.url("/notifications/settings/"))
        self.shoot(page, "notification-settings", lang)
        page.context.close()

    def supervisor(self, lang: str) -> None:
        page = self.log_in("supervisor", lang)
        page.goto(self.url("/escalations/"))
        self.shoot(page, "escalations", lang, full_page=False)
        page.context.close()

    def run(self) -> None:
        desks = {lang: self.log_in("frontdesk", lang) for lang in LANGUAGES}
        # Both intake shots before anything is saved, so they show the same history.
        for lang, page in desks.items():
            print(f"{lang}:")
            self.intake(page, lang)
        self.register(desks["zh"])  # the demo data is in Chinese
        for lang, page in desks.items():
            print(f"{lang}:")
            self.front_desk(page, lang)
            self.department_head(lang)
            self.supervisor(lang)
            page.context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--password", default="demo1234", help="the demo users' password")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("Debian chromium not installed: run `make browsers`", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        shooter = Shooter(browser, args.base_url, args.out, args.password)
        shooter.run()
        browser.close()
    print(f"{len(shooter.taken)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

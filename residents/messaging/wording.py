"""Filling a message template: ``{name}`` placeholders, nothing else (no attribute access,
no format specs), so an administrator's text can never reach into the program."""

from __future__ import annotations

import re

NAMES = ("number", "unit", "department", "due", "link", "code")
REQUIRED = {"sign_in_code": {"code"}, "resolved": {"link"}}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")
_BRACES = re.compile(r"\{([^{}]*)\}")  # anything in braces, to refuse what is not a name

# The words used when a template row is missing (the data migration seeds the same ones,
# and the admin edits those).
FALLBACK = {
    ("sign_in_code", "zh-hans"): "您的登录验证码是 {code}，5分钟内有效。请勿告诉他人。",
    ("sign_in_code", "en"): "Your sign-in code is {code}. It is valid for 5 minutes; "
    "do not share it.",
}


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text or ""))


def ordered_placeholders(text: str) -> list[str]:
    seen: list[str] = []
    for name in _PLACEHOLDER.findall(text or ""):
        if name in NAMES and name not in seen:
            seen.append(name)
    return seen


def unknown_placeholders(text: str) -> set[str]:
    return set(_BRACES.findall(text or "")) - set(NAMES)


def param_names(value: str) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def fill(text: str, values: dict) -> str:
    """``text`` with each known placeholder replaced by its value ("" if not given)."""

    def one(match):
        name = match.group(1)
        if name not in NAMES:
            return match.group(0)
        return str(values.get(name, "") or "")

    return _PLACEHOLDER.sub(one, text)

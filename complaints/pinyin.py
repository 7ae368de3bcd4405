"""Keys a Chinese label can be found by: the text itself, its full pinyin and its initials.

Typing 电梯, ``dianti`` or ``dt`` all find the category 设备管理 / 电梯.  Pure functions, no
database: results are cached per label for the life of the process, so a renamed category
simply gets new keys.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

# A label with several readings (给 is gei or ji) gets each reading's initials, up to this many.
MAX_READINGS = 8


@lru_cache(maxsize=2048)
def search_keys(text: str) -> str:
    """Lower-case words a search box may match ``text`` by, separated by spaces."""
    text = (text or "").strip()
    if not text:
        return ""
    keys = [text.lower().replace(" ", "")]
    full = "".join(lazy_pinyin(text, errors="ignore")).lower()
    if full:
        keys.append(full)
    readings = pinyin(text, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    initials = []
    for combo in itertools.islice(itertools.product(*readings), MAX_READINGS):
        word = "".join(combo).lower()
        if word and word not in initials:
            initials.append(word)
    keys.extend(initials)
    return " ".join(dict.fromkeys(k for k in keys if k))


def category_search_keys(category) -> str:
    """What a category is found by: its own keys and its parent heading's."""
    parts = [search_keys(category.name)]
    if category.parent_id:
        parts.append(search_keys(category.parent.name))
    return " ".join(p for p in parts if p)

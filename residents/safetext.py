"""Text that XML (and so XLSX, and any XML-based export) can hold; no ORM, no Django.

XML 1.0 forbids the control characters U+0000–U+0008, U+000B, U+000C and U+000E–U+001F, the
non-characters U+FFFE and U+FFFF, and surrogate code points standing alone.  A contact name
holding one of them made the XLSX export unreadable, so they are removed where text comes in
(the desk's and the admin's forms, imported spreadsheets) and again where it goes out (every
spreadsheet writer), for text saved before this rule existed.

Tab, line feed and carriage return are kept; so is everything else, including right-to-left
marks, emoji and combining characters: they are legitimate text.
"""

from __future__ import annotations

import re

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value):
    """``value`` without the characters XML forbids; values that are not text are returned as is.

    Lone surrogates (a Python string can hold them, UTF-8 cannot) are removed too; a properly
    paired character such as an emoji is one code point in Python and is kept.
    """
    if not isinstance(value, str):
        return value
    return XML_FORBIDDEN.sub("", value)


class XmlSafeFormMixin:
    """A form mixin: every text value of ``cleaned_data`` loses the characters XML forbids.

    It runs after the fields' own cleaning and before the form's ``clean()`` sees the data, so
    what is saved, shown and exported is the same text.  (NUL is already refused by Django's
    ``CharField``; the other forbidden characters are quietly dropped.)
    """

    def _clean_fields(self):
        super()._clean_fields()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str):
                value = xml_safe(value)
                field = self.fields.get(name)
                if getattr(field, "strip", False):
                    value = value.strip()  # what was around a removed character
                self.cleaned_data[name] = value

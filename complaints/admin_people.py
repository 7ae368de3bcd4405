"""People in the admin by their names (王丽), not their user names: a column or read-only
field for any foreign key to a user, built with :func:`person_field`."""

from __future__ import annotations

from django.contrib import admin

from .roles import display_name


def person_field(name: str, description):
    """``signed_by_name = person_field("signed_by", _("signed by"))`` in an admin class, then
    ``"signed_by_name"`` in its ``list_display``, ``fields`` or ``readonly_fields``."""

    @admin.display(description=description, ordering=name)
    def show(self, obj):
        return display_name(getattr(obj, name, None)) or "—"

    show.__name__ = f"{name}_name"
    return show

"""The period's complaints broken down by category, class, validity, responsibility and
repetition: each row a count and its share of the total."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..selectors import (
    REPEAT_LEVELS,
    RESPONSIBILITIES,
    SEVERITIES,
    VALIDITIES,
    CategoryRow,
    Statistics,
)
from .base import Drill, Table, count_and_share, share_columns


def _category_drill(drill: Drill, row: CategoryRow) -> dict:
    if row.category is None:
        return drill(category__isnull="True")
    if len(row.ids) == 1:
        return drill(category__id__exact=row.ids[0])
    return drill(category__id__in=",".join(str(pk) for pk in row.ids))


def category_table(stats: Statistics) -> Table:
    total = stats.counts["total"]
    drill = Drill(stats, stats.start, stats.end)
    table = Table("category", _("By category"), _("category"), share_columns())
    for row in stats.categories:
        if row.category is None:
            continue
        table.add(
            f"c{row.category.pk}",
            row.category.name,
            css="heading",
            **count_and_share(row.count, total, _category_drill(drill, row)),
        )
        for child in row.children:
            label = (
                _("%(category)s (no sub-category)") % {"category": child.category.name}
                if child.is_self
                else child.category.name
            )
            key = f"c{child.category.pk}" + ("-self" if child.is_self else "")
            table.add(
                key,
                label,
                css="sub",
                **count_and_share(child.count, total, _category_drill(drill, child)),
            )
    unclassified = stats.categories[-1]
    table.add(
        "none",
        _("no category yet"),
        **count_and_share(unclassified.count, total, _category_drill(drill, unclassified)),
    )
    table.add("total", _("total"), css="total", **count_and_share(total, total, drill()))
    return table


def _choice_table(
    stats: Statistics, key: str, title: str, header: str, field: str, choices, blank_label
) -> Table:
    total = stats.counts["total"]
    drill = Drill(stats, stats.start, stats.end)
    table = Table(key, title, header, share_columns())
    for choice in choices:
        count = stats.counts[f"{field}_{choice.value}"]
        table.add(
            choice.value,
            choice.label,
            **count_and_share(count, total, drill(**{f"{field}__exact": choice.value})),
        )
    if blank_label is not None:
        count = stats.counts[f"{field}_blank"]
        table.add(
            "blank", blank_label, **count_and_share(count, total, drill(**{f"{field}__exact": ""}))
        )
    table.add("total", _("total"), css="total", **count_and_share(total, total, drill()))
    return table


def severity_table(stats: Statistics) -> Table:
    return _choice_table(
        stats,
        "severity",
        _("By class"),
        _("class"),
        "severity",
        SEVERITIES,
        _("not classified yet"),
    )


def validity_table(stats: Statistics) -> Table:
    return _choice_table(
        stats,
        "validity",
        _("By validity"),
        _("validity"),
        "validity",
        VALIDITIES,
        _("not classified yet"),
    )


def responsibility_table(stats: Statistics) -> Table:
    return _choice_table(
        stats,
        "responsibility",
        _("By responsibility type"),
        _("responsibility"),
        "responsibility",
        RESPONSIBILITIES,
        _("not classified yet"),
    )


def repeat_table(stats: Statistics) -> Table:
    total = stats.counts["total"]
    drill = Drill(stats, stats.start, stats.end)
    table = Table("repeat", _("Repeat and group complaints"), _("kind"), share_columns())
    for level in REPEAT_LEVELS:
        count = stats.counts[f"repeat_{level.value}"]
        table.add(
            level.value,
            level.label,
            **count_and_share(count, total, drill(repeat_level__exact=level.value)),
        )
    table.add(
        "group",
        _("group complaints"),
        css="heading",
        **count_and_share(stats.counts["group"], total, drill(is_group__exact="1")),
    )
    table.add(
        "is_special",
        _("special (may go to the government, the media or court)"),
        **count_and_share(stats.counts["special"], total, drill(is_special__exact="1")),
    )
    return table

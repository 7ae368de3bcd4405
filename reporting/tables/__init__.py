"""The statistics as tables: the page, the print view, XLSX and CSV all show these.

Each count carries the query of the admin complaint list that shows exactly the complaints
it counts (its drill-down); labels follow the active language.  One module per group of
tables; :mod:`.base` holds what they are made of.
"""

from __future__ import annotations

from ..selectors import Statistics
from .base import (
    COUNT,
    DATE,
    DATETIME,
    DELTA,
    MONEY,
    POINTS,
    RATE,
    TEXT,
    Cell,
    Column,
    Drill,
    Row,
    RowStream,
    Table,
    display,
)
from .breakdowns import (
    category_table,
    repeat_table,
    responsibility_table,
    severity_table,
    validity_table,
)
from .charts import chart_data
from .comparison import channel_table, key_figures_table, trend_table
from .corrective import (
    corrective_summary_table,
    missing_actions_table,
    open_actions_table,
    serious_list_table,
)
from .targets import government_table
from .timeliness import department_table, revisit_table, timeliness_table

__all__ = [
    "COUNT",
    "DATE",
    "DATETIME",
    "DELTA",
    "MONEY",
    "POINTS",
    "RATE",
    "TEXT",
    "Cell",
    "Column",
    "Drill",
    "Row",
    "RowStream",
    "Table",
    "build_tables",
    "category_table",
    "channel_table",
    "chart_data",
    "corrective_summary_table",
    "department_table",
    "display",
    "government_table",
    "key_figures_table",
    "missing_actions_table",
    "open_actions_table",
    "repeat_table",
    "responsibility_table",
    "revisit_table",
    "serious_list_table",
    "severity_table",
    "timeliness_table",
    "trend_table",
    "validity_table",
]


def build_tables(stats: Statistics) -> list[Table]:
    """Every table of the period, in the order of the page, the print view and the exports."""
    return [
        key_figures_table(stats),
        trend_table(stats),
        category_table(stats),
        severity_table(stats),
        department_table(stats),
        channel_table(stats),
        validity_table(stats),
        responsibility_table(stats),
        repeat_table(stats),
        timeliness_table(stats),
        revisit_table(stats),
        corrective_summary_table(stats),
        government_table(stats),
        serious_list_table(stats),
        missing_actions_table(stats),
        open_actions_table(stats),
    ]

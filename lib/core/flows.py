"""The two trade flows, exports and imports: every code, word and colour that names one.

The dataset stores a flow as its customs code (`E`/`I`); query outputs, CSV files, file names and
the URL (`flux=export`) use its name; the pages and the figures speak of it in French. All of
them come from the one `Flow` of each flow below; nothing else defines them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.core import theme
from lib.core.sql import literal


@dataclass(frozen=True)
class Flow:
    """How the project codes, names, says and draws one flow."""

    code: str  # "E" / "I": the `flow` column of the dataset
    name: str  # "export" / "import": URL word (flux=), query outputs, CSV `flux`, file names
    singular: str  # « exportation »
    participle: str  # « exportée »
    color: str  # bars, treemap and Sankey products
    ramp: tuple[str, str]  # the map's classes, light → dark
    sankey_ends: tuple[str, str]  # (source, target) kinds of its Sankey

    @property
    def key(self) -> str:
        """`exports`: the prefix of the kpi indicators and the map's metrics."""
        return f"{self.name}s"

    @property
    def plural(self) -> str:
        """« exportations »."""
        return f"{self.singular}s"

    @property
    def title(self) -> str:
        """« Exportations »: a heading, a legend, a choice."""
        return self.plural.capitalize()


EXPORT = Flow(
    code="E", name="export", singular="exportation", participle="exportée",
    color=theme.EXPORT_VIOLET, ramp=theme.VIOLET_RAMP, sankey_ends=("product", "country"),
)  # fmt: skip
IMPORT = Flow(
    code="I", name="import", singular="importation", participle="importée",
    color=theme.IMPORT_BLUE, ramp=theme.BLUE_RAMP, sankey_ends=("country", "product"),
)  # fmt: skip
FLOWS: tuple[Flow, ...] = (EXPORT, IMPORT)
CODES: tuple[str, ...] = tuple(flow.code for flow in FLOWS)

# The choice of the fiche and Données pages (URL `flux=`): one flow by its name, or both.
BOTH = "tous"
CHOICES: dict[str, str] = {**{flow.name: flow.title for flow in FLOWS}, BOTH: "Les deux"}

_BY_ALIAS: dict[str, Flow] = {
    alias: flow for flow in FLOWS for alias in (flow.code, flow.name, flow.key)
}


def flow_of(alias: str | Flow) -> Flow:
    """The flow of a code (`E`), a name (`export`) or a key (`exports`); a Flow as it is."""
    if isinstance(alias, Flow):
        return alias
    try:
        return _BY_ALIAS[alias]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_BY_ALIAS))
        raise ValueError(f"unknown flow {alias!r} (expected one of {known})") from None


def chosen(choice: str) -> tuple[Flow, ...]:
    """The flows a `flux` choice shows: one flow by its name, or both for BOTH."""
    return FLOWS if choice == BOTH else (flow_of(choice),)


def name_sql(column: str) -> str:
    """SQL: the name (`export`/`import`) of the flow code held by `column`.

    `column` is a column reference written by the project (`flow`, `t.flow`), never user text;
    the names and codes are this module's constants.
    """
    cases = " ".join(f"WHEN {literal(f.code)} THEN {literal(f.name)}" for f in FLOWS)
    return f"CASE {column} {cases} END"


def sums_sql(
    order: tuple[Flow, ...] = FLOWS, suffix: str = "_eur", zero_when_absent: bool = True
) -> str:
    """SQL: one `sum(value_eur)` per flow, named by its key (`exports_eur`, `imports_eur`).

    `order` gives the columns' order (the partners' CSV has imports first); without
    `zero_when_absent`, a flow absent from the group sums to NULL (nothing to compare with).
    """
    columns = []
    for flow in order:
        total = f"sum(value_eur) FILTER (WHERE flow = {literal(flow.code)})"
        if zero_when_absent:
            total = f"coalesce({total}, 0)"
        columns.append(f"{total} AS {flow.key}{suffix}")
    return ", ".join(columns)

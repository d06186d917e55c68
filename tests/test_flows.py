"""lib.core.flows: the one definition of exports and imports, and its lookups."""

from __future__ import annotations

import duckdb
import pytest

from lib.core import flows, theme


def test_each_alias_finds_its_flow() -> None:
    for alias in ("E", "export", "exports", flows.EXPORT):
        assert flows.flow_of(alias) is flows.EXPORT
    for alias in ("I", "import", "imports", flows.IMPORT):
        assert flows.flow_of(alias) is flows.IMPORT


@pytest.mark.parametrize("alias", ["X", "e", "Export", "", "tous", None, 1])
def test_an_unknown_alias_is_a_clear_error(alias: object) -> None:
    with pytest.raises(ValueError, match=r"unknown flow .*expected one of .*export"):
        flows.flow_of(alias)  # type: ignore[arg-type]


def test_the_vocabulary() -> None:
    assert flows.CODES == ("E", "I")
    assert [(f.name, f.key, f.plural, f.participle) for f in flows.FLOWS] == [
        ("export", "exports", "exportations", "exportée"),
        ("import", "imports", "importations", "importée"),
    ]
    assert (flows.EXPORT.color, flows.IMPORT.color) == (theme.EXPORT_VIOLET, theme.IMPORT_BLUE)
    assert flows.EXPORT.sankey_ends == ("product", "country")
    assert flows.IMPORT.sankey_ends == ("country", "product")


def test_choices_are_the_url_words_of_flux() -> None:
    assert flows.CHOICES == {"export": "Exportations", "import": "Importations", "tous": "Les deux"}
    assert flows.chosen("tous") == (flows.EXPORT, flows.IMPORT)
    assert flows.chosen("import") == (flows.IMPORT,)


def test_name_sql_gives_the_names_of_the_codes() -> None:
    rows = duckdb.sql(
        f"SELECT {flows.name_sql('flow')} FROM (VALUES ('E'), ('I'), ('Z')) t(flow)"
    ).fetchall()
    assert rows == [("export",), ("import",), (None,)]


def test_sums_sql_sums_each_flow_under_its_key() -> None:
    values = "(VALUES ('a', 'E', 2.0), ('a', 'E', 3.0), ('a', 'I', 7.0), ('b', 'I', 1.0))"
    sql = f"SELECT g, {{}} FROM {values} t(g, flow, value_eur) GROUP BY g ORDER BY g"
    zero = duckdb.sql(sql.format(flows.sums_sql(order=(flows.IMPORT, flows.EXPORT))))
    assert zero.columns == ["g", "imports_eur", "exports_eur"]
    assert zero.fetchall() == [("a", 7.0, 5.0), ("b", 1.0, 0.0)]
    absent = duckdb.sql(sql.format(flows.sums_sql(suffix="_prev", zero_when_absent=False)))
    assert absent.columns == ["g", "exports_prev", "imports_prev"]
    assert absent.fetchall() == [("a", 5.0, 7.0), ("b", None, 1.0)]

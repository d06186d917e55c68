"""A query running longer than db.QUERY_TIMEOUT_S is interrupted; the pages say so.

The time limit is lowered to 0.2 s and the queries made slow on purpose (a cross join of
10^10 rows that no optimiser can skip): what is asserted is the interruption (the exception
type, the page's message), never a duration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config
from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries
from lib.fiche import files

SLOW_SQL = "SELECT count(*) FROM range(100000) a, range(100000) b WHERE a.range + b.range = -1"
MAYENNE = Territory("dept", "53")
APP = str(config.ROOT / "streamlit_app.py")


@pytest.fixture
def short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "QUERY_TIMEOUT_S", 0.2)


@pytest.fixture
def slow_views(use_dataset, short_limit) -> Iterator[None]:
    """The dataset of tests/test_quarters.py, behind views that each take minutes."""
    from tests.test_quarters import ROWS

    use_dataset(ROWS)
    con = db._current().con  # the process connection every thread's cursor belongs to
    for view in ("trade", *db.AGGREGATE_VIEWS):
        con.execute(f"CREATE TABLE fast_{view} AS SELECT * FROM {view}")
        con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM fast_{view} WHERE ({SLOW_SQL}) = 0"
        )
    yield
    db.reset()


def test_a_slow_query_is_interrupted_and_the_cursor_still_works(use_dataset, short_limit) -> None:
    from tests.test_queries import HAND_MADE

    use_dataset(HAND_MADE)
    with pytest.raises(db.QueryTimeout) as caught:
        db.run(SLOW_SQL, [], lambda result: result.fetchall())
    assert isinstance(caught.value.__cause__, duckdb.InterruptException)
    assert "0,2 s" in str(caught.value) and "interrompue" in str(caught.value)
    assert db.run("SELECT 42", [], lambda result: result.fetchall()) == [(42,)]


def test_other_errors_are_not_timeouts(use_dataset) -> None:
    from tests.test_queries import HAND_MADE

    use_dataset(HAND_MADE)
    with pytest.raises(duckdb.ParserException):
        db.run("SELEKT 1", [], lambda result: result.fetchall())


QUERIES: dict[str, Callable[[], object]] = {
    "kpis": lambda: queries.kpis(MAYENNE, 2024),
    "flow_totals": lambda: queries.flow_totals(FRANCE, 2024),
    "partners": lambda: queries.partners(MAYENNE, 2024, 5),
    "partners (France)": lambda: queries.partners(FRANCE, 2024, 5),
    "products": lambda: queries.products(MAYENNE, 2024),
    "product_details": lambda: queries.product_details(MAYENNE, 2024),
    "cpf4_codes": queries.cpf4_codes,
    "sankey": lambda: queries.sankey(MAYENNE, 2024, "E", 5),
    "map_metrics": lambda: queries.map_metrics(2025),
    "row_summary": lambda: queries.row_summary(DataFilter(MAYENNE, 2024, 2025)),
    "rows_preview": lambda: queries.rows_preview(DataFilter(MAYENNE, 2024, 2025), 10),
    "export tables": lambda: files.tables(MAYENNE, 2024),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_every_query_is_bounded(slow_views, name: str) -> None:
    with pytest.raises(db.QueryTimeout):
        QUERIES[name]()


def test_the_donnees_csv_is_bounded(slow_views, tmp_path: Path) -> None:
    with pytest.raises(db.QueryTimeout):
        queries.write_rows_csv(DataFilter(MAYENNE, 2024, 2025), str(tmp_path / "rows.csv"))


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("fiche", {"niveau": "departement", "code": "53", "annee": "2024"}),
        ("donnees", {"niveau": "departement", "code": "53"}),
        ("carte", {"annee": "2025"}),
    ],
)
def test_pages_say_the_query_was_interrupted(slow_views, page: str, params: dict[str, str]) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page != "carte":
        at.switch_page(f"pages/{page}.py")
    at.query_params = params
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    messages = [error.value for error in at.error]
    assert any("a dépassé 0,2 s et a été interrompue" in m for m in messages), messages

"""The process-wide result cache (lib/data/cache.py): hits and misses, its bound, private copies,
and
invalidation by a new dataset version in every session and every process.

Expected figures come from plain pandas over the fixture rows (or are written out by hand from
them), never from the cached functions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.charts.kit import HtmlChart
from lib.core import config, refs
from lib.core.territory import Territory
from lib.data import cache, db, queries, store
from lib.fiche import cached_charts
from tests import html_charts
from tests.conftest import rows, write_dataset

MAYENNE = Territory("dept", "53")
SARTHE = Territory("dept", "72")
NB = "\u00a0"

# Mayenne exports 12.3 M€ and imports 4.0 M€ in 2024; Sarthe is there so that the région and
# France differ from Mayenne.
FIRST = rows(
    [
        (2024, "E", "53", "C10", "DE", 10_000_000),
        (2024, "E", "53", "C28", "US", 2_300_000),
        (2024, "I", "53", "C10", "ES", 4_000_000),
        (2024, "E", "72", "C10", "DE", 7_000_000),
        (2024, "I", "72", "C28", "CN", 1_000_000),
    ]
)
# The next import: Mayenne exports 45.6 M€ and imports 7.5 M€.
SECOND = rows(
    [
        (2024, "E", "53", "C10", "DE", 40_000_000),
        (2024, "E", "53", "C28", "IT", 5_600_000),
        (2024, "I", "53", "C10", "ES", 7_500_000),
        (2024, "E", "72", "C10", "DE", 7_000_000),
        (2024, "I", "72", "C28", "CN", 1_000_000),
    ]
)


def expected_totals(frame: pd.DataFrame, dept: str, year: int = 2024) -> dict[str, float]:
    """Exports and imports of one département, summed by pandas."""
    chosen = frame[(frame["dept"] == dept) & (frame["year"] == year)]
    sums = chosen.groupby("flow")["value_eur"].sum()
    return {"E": float(sums.get("E", 0.0)), "I": float(sums.get("I", 0.0))}


def kpi_totals(territory: Territory) -> dict[str, float]:
    values = queries.kpis(territory, 2024).set_index("indicator")["value"]
    return {"E": float(values["exports_eur"]), "I": float(values["imports_eur"])}


def test_a_repeated_call_is_a_hit_and_runs_no_query(
    use_dataset: Callable[[pd.DataFrame], Path], counted_queries: list[str]
) -> None:
    use_dataset(FIRST)
    assert kpi_totals(MAYENNE) == expected_totals(FIRST, "53")
    queried = len(counted_queries)
    assert queried > 0
    assert kpi_totals(MAYENNE) == expected_totals(FIRST, "53")
    assert len(counted_queries) == queried  # answered from the cache
    stats = cache.shared().stats()
    assert (stats.hits, stats.misses) == (1, 1)

    assert kpi_totals(SARTHE) == expected_totals(FIRST, "72")  # other arguments: a miss
    assert len(counted_queries) > queried
    stats = cache.shared().stats()
    assert (stats.hits, stats.misses, stats.entries) == (1, 2, 2)


def test_defaults_and_keywords_share_a_key(use_dataset: Callable[[pd.DataFrame], Path]) -> None:
    use_dataset(FIRST)
    first = queries.partners(MAYENNE, 2024, 10)
    again = queries.partners(territory=MAYENNE, year=2024, top=10)
    pd.testing.assert_frame_equal(first, again)
    assert (cache.shared().stats().hits, cache.shared().stats().misses) == (1, 1)


def test_the_bound_evicts_the_least_recently_used() -> None:
    dataset = db.DatasetKey("somewhere", "v1", 1)
    room = 3 * (100 + cache.ENTRY_OVERHEAD_BYTES)
    lru = cache.ResultCache(room)
    for key in ("a", "b", "c"):
        assert lru.lookup(dataset, key) == (False, None)
        lru.store(dataset, key, key.upper(), 100)
    assert lru.lookup(dataset, "a") == (True, "A")  # now "b" is the least recently used
    lru.store(dataset, "d", "D", 100)
    assert lru.lookup(dataset, "b") == (False, None)
    assert [lru.lookup(dataset, key)[0] for key in ("a", "c", "d")] == [True, True, True]
    stats = lru.stats()
    assert (stats.evictions, stats.entries, stats.size_bytes) == (1, 3, room)
    lru.store(dataset, "huge", "H", room)  # alone above the bound: not kept, nothing evicted
    assert lru.lookup(dataset, "huge") == (False, None)
    assert lru.stats().entries == 3


def test_the_process_cache_stays_within_its_bound(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    use_dataset(FIRST)
    one = cache.size_of(queries.products(MAYENNE, 2024)) + cache.ENTRY_OVERHEAD_BYTES
    bounded = cache.reset(max_bytes=2 * one)
    for territory in (MAYENNE, SARTHE, Territory("region", "52"), MAYENNE):
        queries.products(territory, 2024)
    stats = bounded.stats()
    assert stats.size_bytes <= 2 * one
    assert stats.evictions >= 1
    assert stats.hits == 0  # Mayenne was evicted before it was asked again


def test_the_bound_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_CACHE_MB, "3")
    assert cache.reset().max_bytes == 3 * 1024 * 1024
    monkeypatch.delenv(config.ENV_CACHE_MB)
    assert cache.reset().max_bytes == 64 * 1024 * 1024


def test_a_bound_of_zero_turns_the_cache_off(
    use_dataset: Callable[[pd.DataFrame], Path],
    counted_queries: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_dataset(FIRST)
    monkeypatch.setenv(config.ENV_CACHE_MB, "0")
    cache.reset()
    assert kpi_totals(MAYENNE) == expected_totals(FIRST, "53")
    queried = len(counted_queries)
    assert kpi_totals(MAYENNE) == expected_totals(FIRST, "53")
    assert len(counted_queries) == 2 * queried  # computed again
    assert cache.shared().stats().entries == 0


def test_returned_values_cannot_change_the_cached_ones(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    use_dataset(FIRST)
    fresh = queries.partners(MAYENNE, 2024, 10)  # computed (a miss)
    original = fresh.copy(deep=True)
    fresh["page"] = "x"  # as tables.contributions adds a column
    fresh.loc[0, "exports_eur"] = -1.0
    hit = queries.partners(MAYENNE, 2024, 10)
    pd.testing.assert_frame_equal(hit, original)
    hit.loc[:, "country"] = "ZZ"  # a hit's copy, changed in turn
    pd.testing.assert_frame_equal(queries.partners(MAYENNE, 2024, 10), original)
    assert original["exports_eur"].sum() == expected_totals(FIRST, "53")["E"]

    totals = queries.flow_totals(MAYENNE, 2024)  # a dict, not a frame
    totals["E"] = 0.0
    assert queries.flow_totals(MAYENNE, 2024) == expected_totals(FIRST, "53")


def test_a_new_version_or_a_rollback_answers_at_the_very_next_call(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    data_dir = use_dataset(FIRST)
    assert kpi_totals(MAYENNE) == expected_totals(FIRST, "53")
    write_dataset(SECOND, data_dir)
    assert kpi_totals(MAYENNE) == expected_totals(SECOND, "53")
    store.rollback(data_dir)
    assert kpi_totals(MAYENNE) == expected_totals(FIRST, "53")
    assert cache.shared().stats().hits == 0


def _fiche(data_dir: Path) -> AppTest:
    at = AppTest.from_file(str(config.ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/fiche.py")
    at.query_params = {"niveau": "departement", "code": "53", "annee": "2024", "flux": "tous"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _key_figures(at: AppTest) -> tuple[str, str]:
    metrics = {m.label: m.value for m in at.metric}
    return metrics["Exportations"], metrics["Importations"]


def test_two_sessions_holding_a_fiche_both_show_an_import_on_their_next_run(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    data_dir = use_dataset(FIRST)
    sessions = [_fiche(data_dir), _fiche(data_dir)]
    for at in sessions:
        assert _key_figures(at) == (f"12,3{NB}M€", f"4,0{NB}M€")
    assert cache.shared().stats().hits > 0  # the second session was served from the cache
    write_dataset(SECOND, data_dir)
    for at in sessions:
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert _key_figures(at) == (f"45,6{NB}M€", f"7,5{NB}M€")


# A reader process: one line of key figures for each line it reads on stdin.
READER = """
import json, sys
from lib.data import queries
from lib.core.territory import Territory
for _ in sys.stdin:
    values = queries.kpis(Territory("dept", "53"), 2024).set_index("indicator")["value"]
    print(json.dumps({"E": values["exports_eur"], "I": values["imports_eur"]}), flush=True)
"""


def _ask(reader: subprocess.Popen[str]) -> dict[str, float]:
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.write("\n")
    reader.stdin.flush()
    answer: dict[str, float] = json.loads(reader.stdout.readline())
    return answer


def test_two_processes_over_one_dataset_agree_after_an_import(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    data_dir = use_dataset(FIRST)
    env = {**os.environ, config.ENV_DATA_DIR: str(data_dir)}
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER],
            cwd=config.ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for reader in readers:
            assert _ask(reader) == expected_totals(FIRST, "53")
            assert _ask(reader) == expected_totals(FIRST, "53")  # the second from its cache
        write_dataset(SECOND, data_dir)
        assert [_ask(reader) for reader in readers] == [expected_totals(SECOND, "53")] * 2
    finally:
        for reader in readers:
            assert reader.stdin is not None
            reader.stdin.close()
            reader.wait(timeout=60)


def _countries_drawn(chart: HtmlChart) -> set[str]:
    """The partners chart's row names (its HTML read back: tests/html_charts.py)."""
    (drawn,) = html_charts.read(chart.markup)
    return {row.name for row in drawn.rows}


def test_figures_are_built_once_and_again_for_a_new_version(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    data_dir = use_dataset(FIRST)
    first = cached_charts.partners_html(MAYENNE, 2024, 10)
    assert cached_charts.partners_html(MAYENNE, 2024, 10) is first  # shared: not built again
    assert _countries_drawn(first) == {"Allemagne", "États-Unis", "Espagne"}  # FIRST's rows
    world = cached_charts.world_map(MAYENNE, 2024, "export")
    coloured = {c for c, z in zip(world.data[0].locations, world.data[0].z, strict=True) if z}
    assert coloured == {"DE", "US"}
    write_dataset(SECOND, data_dir)
    second = cached_charts.partners_html(MAYENNE, 2024, 10)
    assert second is not first
    assert _countries_drawn(second) == {"Allemagne", "Italie", "Espagne"}  # SECOND's rows
    world = cached_charts.world_map(MAYENNE, 2024, "export")
    coloured = {c for c, z in zip(world.data[0].locations, world.data[0].z, strict=True) if z}
    assert coloured == {"DE", "IT"}


def _exports_by_product(chart: HtmlChart) -> dict[str, float]:
    """The treemap's product boxes of the exports (`export/<A17>/<product>`), read back from
    its markup's signature: product → value."""
    (drawn,) = html_charts.read(chart.markup)
    return {
        node.rsplit("/", 1)[1]: value
        for node, value in html_charts.treemap_values(drawn).items()
        if node.startswith("export/") and node.count("/") == 2
    }


def test_the_treemap_is_built_once_and_again_for_a_new_version(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    """The fiche's « Principales activités » (pages/fiche.products_section) is shared as the
    partners chart is; an import shows the new values at once."""
    data_dir = use_dataset(FIRST)
    first = cached_charts.treemap_html(MAYENNE, 2024, "tous")
    assert cached_charts.treemap_html(MAYENNE, 2024, "tous") is first
    assert cached_charts.treemap_html(MAYENNE, 2024, "export") is not first  # another flow
    assert cached_charts.treemap_html(MAYENNE, 2024, "tous", narrow=True) is not first

    def expected(frame: pd.DataFrame) -> dict[str, float]:
        exports = frame[(frame["dept"] == "53") & (frame["flow"] == "E")]
        return exports.groupby("product")["value_eur"].sum().astype(float).to_dict()

    assert _exports_by_product(first) == expected(FIRST)
    write_dataset(SECOND, data_dir)
    second = cached_charts.treemap_html(MAYENNE, 2024, "tous")
    assert second is not first
    assert _exports_by_product(second) == expected(SECOND)


def _sankey_links_drawn(chart: HtmlChart) -> dict[tuple[str, str], float]:
    """The HTML Sankey's links, read back from its markup: (source, target) → euros."""
    (drawn,) = html_charts.read(chart.markup)
    names, links = html_charts.sankey_links(drawn)
    return {(names[s], names[t]): value for s, t, value in links}


def test_the_sankey_is_built_once_and_again_for_a_new_version(
    use_dataset: Callable[[pd.DataFrame], Path],
) -> None:
    """The « Flux » sections' HTML Sankeys (pages/fiche.flow_section) are shared as the partners
    chart is, one per flow and top N; an import shows the new links at once."""
    data_dir = use_dataset(FIRST)
    first = cached_charts.sankey_html(MAYENNE, 2024, "E", 10)
    assert cached_charts.sankey_html(MAYENNE, 2024, "E", 10) is first
    assert cached_charts.sankey_html(MAYENNE, 2024, "E", 5) is not first  # another top N
    assert cached_charts.sankey_html(MAYENNE, 2024, "I", 10) is not first  # another flow

    def expected(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
        exports = frame[(frame["dept"] == "53") & (frame["flow"] == "E")]
        sums = exports.groupby(["product", "country"])["value_eur"].sum()
        return {
            (refs.product_name(product), refs.country_name(country)): float(value)
            for (product, country), value in sums.items()
        }

    assert _sankey_links_drawn(first) == expected(FIRST)
    write_dataset(SECOND, data_dir)
    second = cached_charts.sankey_html(MAYENNE, 2024, "E", 10)
    assert second is not first
    assert _sankey_links_drawn(second) == expected(SECOND)

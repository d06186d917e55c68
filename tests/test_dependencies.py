"""Dependencies point down: charts and the map load no database, the data layer no URL layer.

Each check imports modules in a fresh interpreter, whose sys.modules then shows everything they
pulled in (this test process has imported them all already).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_by(*modules: str) -> set[str]:
    code = "; ".join(f"import {m}" for m in modules)
    code += "; import json, sys; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", ["lib.charts.fiche_figures", "lib.charts.choropleth"])
def test_charts_and_map_load_no_database(module: str) -> None:
    loaded = imported_by(module)
    assert not loaded & {"duckdb", "lib.data.db", "lib.data.queries", "lib.data.store"}


def test_queries_do_not_depend_on_the_url_layer() -> None:
    assert "lib.web.urlstate" not in imported_by("lib.data.queries")


def test_the_vocabulary_modules_stand_alone() -> None:
    # lib.core.flows, lib.core.theme and lib.core.sql are read by every layer: they import nothing
    # heavier.
    loaded = imported_by("lib.core.flows", "lib.core.theme", "lib.core.sql")
    assert not loaded & {
        "duckdb",
        "pandas",
        "plotly",
        "lib.data.db",
        "lib.charts.fiche_figures",
        "lib.core.refs",
    }

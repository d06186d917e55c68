"""AppTest of the Comparer page: it renders départements and régions side by side; its URL is
parsed, validated and written back; its widgets change the URL; the numbers and tables it shows
are lib.data.comparison's on the demonstration dataset (lib.data.comparison itself is checked
against pandas in tests/test_comparison.py); the fiche links to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from lib.core import config, csvfile, formatting, sections
from lib.core.territory import Territory
from lib.data import comparison, db
from pages.parts.on_demand import RUNS_KEY
from tests.apptables import meur, numbers, open_tables, page_csvs, record_csvs
from tests.test_pages import open_page

DEPTS = [Territory("dept", "53"), Territory("dept", "61"), Territory("dept", "72")]


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def _metric_values(at, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def test_three_departements_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page("comparer", niveau="departement", codes="53,61,72", annee="2024")
    assert at.query_params == {"niveau": "departement", "codes": "53,61,72", "annee": "2024"}
    # The first screen: the key figures; the rest one click away, not computed.
    assert [h.value for h in at.header] == ["Chiffres clés (2024)"]
    titles = [f"**{section.title}**" for section in sections.COMPARER]
    assert [e.label for e in at.expander if e.label in titles] == titles
    assert RUNS_KEY not in at.session_state
    at.query_params["section"] = ",".join(sections.slugs(sections.COMPARER))
    at.run()
    assert len(at.session_state[RUNS_KEY]) == len(sections.COMPARER)
    figures = comparison.key_figures(DEPTS, 2024)
    assert _metric_values(at, "Exportations") == [
        formatting.meur(v) for v in figures["exports_eur"]
    ]
    assert _metric_values(at, "Solde commercial") == [
        formatting.meur(v, signed=True) for v in figures["balance_eur"]
    ]
    # The tables are lib.data.comparison's (their CSVs, byte for byte)…
    csvs = page_csvs(at, recorded)
    assert csvs["comparison-kpis"] == csvfile.to_csv_bytes(figures)
    partners = comparison.top_partners(DEPTS, 2024)
    exports = partners[partners["flow"] == "export"].reset_index(drop=True)
    assert csvs["comparison-country-export"] == csvfile.to_csv_bytes(exports)
    assert csvs["comparison-evolution"] == csvfile.to_csv_bytes(comparison.evolution(DEPTS))
    # …and their grids show them: a territory per row, euros in M€ to one decimal.
    grids = open_tables(at, "comparison-kpis", "comparison-country-export")
    kpis = grids["comparison-kpis"]
    assert list(kpis["Territoire"]) == ["53", "61", "72"]
    assert numbers(kpis["Exportations (M€)"]) == meur(figures["exports_eur"])
    assert numbers(kpis["Solde (M€)"]) == meur(figures["balance_eur"])
    shown = grids["comparison-country-export"]
    assert list(shown["Pays"]) == list(exports["country"])
    assert numbers(shown["Valeur (M€)"]) == meur(exports["value_eur"])


def test_every_panel_shares_one_value_axis() -> None:
    at = open_page(
        "comparer", niveau="region", codes="52,28,11,84", annee="2024", section="partenaires"
    )
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    panels = [spec for spec in specs if "xaxis4" in spec["layout"]]
    assert panels, "no chart of four panels"
    for spec in panels:
        ranges = {tuple(spec["layout"][f"xaxis{s}"]["range"]) for s in ("", "2", "3", "4")}
        assert len(ranges) == 1
        assert all(spec["layout"][f"xaxis{s}"]["matches"] == "x" for s in ("2", "3", "4"))


def test_fewer_than_two_asks_for_more() -> None:
    at = open_page("comparer", codes="53")
    assert any("Choisissez au moins 2 territoires" in i.value for i in at.info)
    assert not at.header


def test_bad_parameters_give_notices_and_the_url_is_cleaned() -> None:
    at = open_page("comparer", codes="53,53,999,61,72,44,49", annee="1990")
    notices = [i.value for i in at.info]
    assert any("Départements inconnus ignorés" in n and "999" in n for n in notices)
    assert any("les 4 premiers sont comparés" in n for n in notices)
    assert any("1990" in n for n in notices)
    assert at.query_params["codes"] == "53,61,72,44"


def test_the_widgets_write_the_url() -> None:
    at = open_page("comparer", codes="53,61", annee="2024")
    at.multiselect(key="comparer-codes").select("72").run()
    assert at.query_params["codes"] == "53,61,72"
    at.radio(key="comparer-level").set_value("region").run()
    # Mayenne and Sarthe are in the Pays de la Loire, the Orne in Normandie.
    assert at.query_params == {"niveau": "region", "codes": "52,28", "annee": "2024"}
    at.selectbox(key="comparer-year").set_value(2023).run()
    assert at.query_params["annee"] == "2023"
    assert not at.exception


def test_open_sections_survive_changes_and_unknown_ones_are_noticed() -> None:
    at = open_page("comparer", codes="53,61", annee="2024", section="evolution,tout")
    assert any("Section « tout » inconnue" in i.value for i in at.info)
    at.multiselect(key="comparer-codes").select("72").run()
    at.selectbox(key="comparer-year").set_value(2023).run()
    assert at.query_params["section"] == "evolution" and at.query_params["codes"] == "53,61,72"
    assert dict(at.session_state[RUNS_KEY]) == {"comparer-section-evolution": 3}


def test_the_fiche_links_to_the_comparer_with_its_region_s_departements() -> None:
    """« Comparer avec… » opens on a comparison that shows at once: Mayenne beside three other
    départements of Pays de la Loire (comparison.peers, tested against pandas)."""
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    links = [link for link in at.get("page_link") if "Comparer" in link.proto.label]
    assert len(links) == 1
    assert links[0].proto.page == "comparer"
    params = parse_qs(links[0].proto.query_string)
    assert params["niveau"] == ["departement"] and params["annee"] == ["2024"]
    codes = params["codes"][0].split(",")
    assert codes == ["53", *comparison.peers(Territory("dept", "53"), 2024)]
    assert len(codes) == 4 and set(codes) < {"44", "49", "53", "72", "85"}
    compared = open_page("comparer", **{key: value[0] for key, value in params.items()})
    assert not [i.value for i in compared.info if "Choisissez" in i.value]
    assert len(_metric_values(compared, "Exportations")) == 4

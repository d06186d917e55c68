"""lib.data.country_view against plain pandas on a small hand-made dataset, and hand-computed cases;
the Pays page's URL (urlstate.parse_country); the world geometry geo/countries.geojson."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator

import pandas as pd
import pytest

from lib.charts import world
from lib.core import config, refs
from lib.core.states import CountryState
from lib.core.territory import FRANCE, Territory
from lib.data import country_view
from lib.web import urlstate
from tests.conftest import rows

# (year, flow, dept, product, country, value)
RECORDS = [
    (2023, "E", "53", "C10A", "US", 100.0),
    (2023, "I", "53", "C10A", "US", 40.0),
    (2023, "E", "72", "C21Z", "US", 60.0),
    (2023, "E", "53", "C10A", "DE", 500.0),
    (2024, "E", "53", "C10A", "US", 200.0),
    (2024, "E", "53", "C21Z", "US", 30.0),
    (2024, "I", "53", "C21Z", "US", 80.0),
    (2024, "I", "72", "C10A", "US", 25.0),
    (2024, "E", "971", "C10A", "US", 5.0),
    (2024, "E", "53", "C10A", "DE", 700.0),
    (2024, "I", "61", "C21Z", "CN", 300.0),
]


@pytest.fixture
def frame(use_dataset) -> pd.DataFrame:
    data = rows(RECORDS)
    use_dataset(data)
    return data


def oracle(frame: pd.DataFrame, keys: list[str], **where: object) -> pd.DataFrame:
    """exports_eur, imports_eur, balance_eur by `keys`, from the rows matching `where`."""
    sel = frame
    for column, value in where.items():
        sel = sel[sel[column] == value]
    wide = sel.pivot_table(
        index=keys, columns="flow", values="value_eur", aggfunc="sum", fill_value=0.0
    ).reindex(columns=["E", "I"], fill_value=0.0)
    out = pd.DataFrame(
        {"exports_eur": wide["E"], "imports_eur": wide["I"]}, index=wide.index
    ).reset_index()
    out["balance_eur"] = out["exports_eur"] - out["imports_eur"]
    return out


def test_totals_by_hand(frame: pd.DataFrame) -> None:
    totals = country_view.totals("US", 2024)
    # Exports 200 + 30 + 5; imports 80 + 25; France's exports 935, imports 405.
    assert totals["exports_eur"] == 235.0
    assert totals["imports_eur"] == 105.0
    assert totals["balance_eur"] == 130.0
    assert totals["exports_share_pct"] == pytest.approx(100 * 235 / 935)
    assert totals["imports_share_pct"] == pytest.approx(100 * 105 / 405)


def test_by_dept_is_every_departement_and_sums_to_france(frame: pd.DataFrame) -> None:
    by_dept = country_view.by_dept("US", 2024)
    assert list(by_dept["dept"]) == list(refs.departements()["code"])
    expected = oracle(frame, ["dept"], year=2024, country="US").set_index("dept")
    got = by_dept.set_index("dept")
    for dept, row in expected.iterrows():
        for column in ("exports_eur", "imports_eur", "balance_eur"):
            assert got.loc[dept, column] == row[column]
    others = got.drop(index=expected.index)
    assert (others[["exports_eur", "imports_eur", "balance_eur"]] == 0).all().all()
    totals = country_view.totals("US", 2024)
    assert by_dept["exports_eur"].sum() == totals["exports_eur"]
    assert by_dept["imports_eur"].sum() == totals["imports_eur"]


def test_products_both_ways(frame: pd.DataFrame) -> None:
    table = country_view.products("US", 2024)
    expected = oracle(frame, ["product"], year=2024, country="US")
    expected = expected.assign(total=expected["exports_eur"] + expected["imports_eur"])
    expected = expected.sort_values(["total", "product"], ascending=[False, True])
    assert list(table.columns) == [
        "product",
        "product_name",
        "exports_eur",
        "imports_eur",
        "balance_eur",
    ]
    assert list(table["product"]) == list(expected["product"])  # C10A 225, C21Z 110
    for column in ("exports_eur", "imports_eur", "balance_eur"):
        assert list(table[column]) == list(expected[column])
    assert list(table["product_name"]) == [refs.product_name(c) for c in table["product"]]


def test_evolution_every_year(frame: pd.DataFrame) -> None:
    table = country_view.evolution("DE")
    assert list(table["year"]) == [2023, 2024]
    assert list(table["exports_eur"]) == [500.0, 700.0]
    assert list(table["imports_eur"]) == [0.0, 0.0]
    assert list(table["balance_eur"]) == [500.0, 700.0]
    china = country_view.evolution("CN")  # no trade in 2023: a zero year, not a missing one
    assert list(china["imports_eur"]) == [0.0, 300.0]


def test_territory_partners_every_country(frame: pd.DataFrame) -> None:
    mayenne = country_view.territory_partners(Territory("dept", "53"), 2024)
    assert set(mayenne["country"]) == {"US", "DE"}
    us = mayenne.set_index("country").loc["US"]
    assert (us["exports_eur"], us["imports_eur"]) == (230.0, 80.0)
    assert set(country_view.territory_partners(FRANCE, 2024)["country"]) == {"US", "DE", "CN"}


@pytest.mark.parametrize("code", ["FR", "UE27", "ZZ", "us", "'; DROP TABLE trade; --"])
def test_a_code_that_is_no_partner_country_never_reaches_a_query(code: str) -> None:
    with pytest.raises(country_view.InvalidCountry):
        country_view.by_dept(code, 2024)


# --- URL ------------------------------------------------------------------------------------


def test_parse_country_reads_and_writes_its_url() -> None:
    state, notices = urlstate.parse_country({"code": "us", "annee": "2023"}, [2023, 2024])
    assert state == CountryState("US", 2023, "export")
    assert notices == []
    assert urlstate.params_of(state) == {"code": "US", "annee": "2023", "flux": "export"}
    assert urlstate.country_url("DE", 2024) == "/pays?code=DE&annee=2024&flux=export"


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"code": "FR"}, "Pays « FR » inconnu : affichage de « États-Unis »."),
        ({"code": "UE27"}, "Pays « UE27 » inconnu : affichage de « États-Unis »."),
        ({"code": "<b>x</b>"}, "Pays « <b>x</b> » inconnu : affichage de « États-Unis »."),
        ({"annee": "1990"}, "Année « 1990 » indisponible : affichage de 2024."),
        ({"pays": "DE"}, "Paramètre « pays » inconnu : ignoré."),
    ],
)
def test_parse_country_sets_aside_what_it_cannot_read(params: dict, notice: str) -> None:
    state, notices = urlstate.parse_country(params, [2023, 2024])
    assert notices == [notice]
    assert state.country in {"US", "DE"} and state.year in {2023, 2024}


def test_both_flows_colour_the_map_with_exports_and_imports_are_kept() -> None:
    assert urlstate.parse_country({"flux": "tous"}, [2024])[0].flux == "export"
    assert urlstate.parse_country({"flux": "import"}, [2024])[0].flux == "import"


# --- World geometry -------------------------------------------------------------------------

WORLD = config.ROOT / "geo" / "countries.geojson"


def test_world_file_codes_are_reference_countries_and_small() -> None:
    collection = json.loads(WORLD.read_text(encoding="utf-8"))
    codes = [feature["properties"]["code"] for feature in collection["features"]]
    assert len(codes) == len(set(codes))
    assert set(codes) <= set(refs.countries()["code"])
    # The main partners of France are drawn.
    assert {"US", "CN", "DE", "GB", "BE", "IT", "ES", "CH", "NL", "SG", "MT", "LU"} <= set(codes)
    assert WORLD.stat().st_size < 350_000  # sent to the browser with each world map
    names = {f["properties"]["code"]: f["properties"]["name"] for f in collection["features"]}
    assert names["DE"] == "Allemagne"


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def _world_polygons() -> Iterator[tuple[str, list[list[list[float]]]]]:
    """(code, polygon: its rings) for every polygon of every country of the world file."""
    collection = json.loads(WORLD.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for polygon in polygons:
            yield feature["properties"]["code"], polygon


def test_world_rings_are_wound_for_plotly() -> None:
    """Exteriors clockwise (negative shoelace area), else d3-geo fills the whole globe."""
    for code, polygon in _world_polygons():
        assert _signed_area(polygon[0]) < 0, code


def test_world_rings_stay_on_the_map_without_crossing_the_antimeridian() -> None:
    """Every longitude in [-180°, 180°] and no edge longer than half the world: d3-geo, hence
    plotly.js, draws each edge as a great circle, and an edge from Chukotka (-180°) to Finland
    (28°E) along 69°N was drawn over the Arctic (geo/build_world.py's `unwrapped`)."""
    for code, polygon in _world_polygons():
        for ring in polygon:
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring), code
            assert all(abs(x1 - x0) <= 180 for (x0, _), (x1, _) in itertools.pairwise(ring)), code
    russia = [x for code, polygon in _world_polygons() if code == "RU" for x, _ in polygon[0]]
    assert min(russia) == -180 and max(russia) == 180  # Chukotka, on both edges


def test_world_figure_colours_partners_and_greys_the_others() -> None:
    partners = pd.DataFrame(
        {
            "country": ["US", "DE", "QU"],
            "country_name": ["États-Unis", "Allemagne", "Non déterminés"],
            "imports_eur": [0.0, 5.0, 1.0],
            "exports_eur": [1_000.0, 10.0, 1.0],
            "balance_eur": [1_000.0, 5.0, 0.0],
        }
    )
    fig = world.partners_figure(partners, "export")
    trace = fig.data[0]
    z = dict(zip(trace.locations, trace.z, strict=True))
    assert z["US"] == 1.0  # the largest
    assert z["DE"] == pytest.approx(world.PARTNER_LOW)  # the smallest partner
    assert z["CN"] == 0.0 and "QU" not in z  # no trade: grey; no shape: not drawn
    assert fig.layout.geo.visible is False  # no base layers of plotly.js
    imports = world.partners_figure(partners, "import").data[0]
    z = dict(zip(imports.locations, imports.z, strict=True))
    assert z["US"] == 0.0 and z["DE"] == 1.0
    assert math.isclose(sum(1 for v in z.values() if v > 0), 1)

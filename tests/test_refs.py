"""Reference tables (lib/core/refs.py, data/ref/*.csv, scripts/build_countries.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lib.core import refs
from lib.core.config import REF_DIR, ROOT

# Written out independently of the data files and of scripts/build_countries.py.
EU27 = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip

ZONES = {
    "Union européenne",
    "Europe hors UE",
    "Amérique du Nord",
    "Amérique latine et Caraïbes",
    "Asie",
    "Proche et Moyen-Orient",
    "Afrique",
    "Océanie",
    "Non déterminé",
}

# Number of départements per région (INSEE COG, 2016 régions).
DEPTS_PER_REGION = {
    "01": 1, "02": 1, "03": 1, "04": 1, "06": 1, "11": 8, "24": 6, "27": 8, "28": 5, "32": 5,
    "44": 10, "52": 5, "53": 4, "75": 12, "76": 13, "84": 12, "93": 6, "94": 2,
}  # fmt: skip


# --- départements and régions ----------------------------------------------------------------


def test_counts() -> None:
    assert len(refs.departements()) == 101
    assert len(refs.regions()) == 18
    assert refs.departements()["code"].is_unique
    assert refs.regions()["code"].is_unique


def test_columns_are_strings() -> None:
    assert list(refs.departements().columns) == ["code", "name", "region_code"]
    assert list(refs.regions().columns) == ["code", "name"]
    assert refs.departements()["code"].iloc[0] == "01"
    assert "01" in set(refs.regions()["code"])


def test_dept_codes() -> None:
    codes = set(refs.departements()["code"])
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20}
    expected |= {"2A", "2B", "971", "972", "973", "974", "976"}
    assert codes == expected


def test_every_region_has_departements_and_every_dept_a_region() -> None:
    depts = refs.departements()
    region_codes = set(refs.regions()["code"])
    assert set(depts["region_code"]) == region_codes
    counts = depts.groupby("region_code").size().to_dict()
    assert counts == DEPTS_PER_REGION
    for region in region_codes:
        assert refs.depts_of_region(region)


def test_drom_map_to_single_dept_regions() -> None:
    assert refs.region_of_dept("971") == "01"
    assert refs.region_of_dept("972") == "02"
    assert refs.region_of_dept("973") == "03"
    assert refs.region_of_dept("974") == "04"
    assert refs.region_of_dept("976") == "06"
    assert refs.depts_of_region("06") == ["976"]


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        ("01", "Ain", "84"),
        ("2A", "Corse-du-Sud", "94"),
        ("2B", "Haute-Corse", "94"),
        ("22", "Côtes-d'Armor", "53"),
        ("42", "Loire", "84"),
        ("45", "Loiret", "24"),
        ("53", "Mayenne", "52"),
        ("61", "Orne", "28"),
        ("75", "Paris", "11"),
        ("77", "Seine-et-Marne", "11"),
        ("90", "Territoire de Belfort", "27"),
        ("94", "Val-de-Marne", "11"),
        ("974", "La Réunion", "04"),
        ("976", "Mayotte", "06"),
    ],
)
def test_dept_spot_checks(code: str, name: str, region: str) -> None:
    assert refs.dept_name(code) == name
    assert refs.region_of_dept(code) == region
    assert code in refs.depts_of_region(region)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("11", "Île-de-France"),
        ("24", "Centre-Val de Loire"),
        ("28", "Normandie"),
        ("52", "Pays de la Loire"),
        ("84", "Auvergne-Rhône-Alpes"),
        ("93", "Provence-Alpes-Côte d'Azur"),
        ("94", "Corse"),
    ],
)
def test_region_spot_checks(code: str, name: str) -> None:
    assert refs.region_name(code) == name


def test_depts_of_region_sorted_and_unknown() -> None:
    assert refs.depts_of_region("94") == ["2A", "2B"]
    assert refs.depts_of_region("53") == ["22", "29", "35", "56"]
    assert refs.depts_of_region("99") == []
    assert refs.depts_of_region("") == []
    assert refs.region_of_dept("20") is None
    assert refs.region_of_dept("1") is None


def test_is_dept_and_is_region_are_exact() -> None:
    assert refs.is_dept("01")
    assert refs.is_dept("2A")
    assert refs.is_dept("971")
    assert not refs.is_dept("1")
    assert not refs.is_dept("2a")
    assert not refs.is_dept(1)
    assert not refs.is_dept(None)
    assert not refs.is_dept(["01"])
    assert refs.is_region("84")
    assert refs.is_region("01")
    assert not refs.is_region("1")
    assert not refs.is_region("05")
    assert not refs.is_region(84)
    assert not refs.is_region(None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", "01"),
        ("01", "01"),
        (" 53 ", "53"),
        ("2a", "2A"),
        ("2B", "2B"),
        ("02A", "2A"),
        (971, "971"),
        ("971", "971"),
        (1.0, "01"),
        ("1.0", "01"),
        (95, "95"),
        ("001", "01"),
        ("976", "976"),
    ],
)
def test_normalize_dept_good(raw: object, expected: str) -> None:
    assert refs.normalize_dept(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "20",
        20,
        "96",
        "975",
        "977",
        "00",
        0,
        "",
        "   ",
        None,
        "abc",
        "2C",
        "A2",
        -1,
        "-1",
        1.5,
        "1.5",
        float("nan"),
        True,
        False,
        ["01"],
        "9 71",
    ],
)
def test_normalize_dept_bad(raw: object) -> None:
    assert refs.normalize_dept(raw) is None


# --- products ----------------------------------------------------------------------------------


def test_products_table() -> None:
    products = refs.products()
    assert list(products.columns) == [
        "code",
        "name",
        "a38_code",
        "a38_name",
        "a17_code",
        "a17_name",
    ]
    assert products["code"].is_unique
    assert 80 <= len(products) <= 110
    for column in products.columns:
        assert (products[column].str.strip() != "").all(), column
    assert products["code"].str.fullmatch(r"[A-Z]\d{2}[A-Z]").all()


def test_products_hierarchy_is_consistent() -> None:
    products = refs.products()
    # One label per A38 / A17 code, and each A38 position lies in a single A17 position.
    assert (products.groupby("a38_code")["a38_name"].nunique() == 1).all()
    assert (products.groupby("a17_code")["a17_name"].nunique() == 1).all()
    assert (products.groupby("a38_code")["a17_code"].nunique() == 1).all()
    # The A38 code starts with the section letter of the position.
    assert (products["code"].str[0] == products["a38_code"].str[0]).all()


@pytest.mark.parametrize(
    ("code", "a38", "a17"),
    [
        ("A01Z", "AZ", "AZ"),
        ("B06Z", "BZ", "DE"),
        ("C10A", "CA", "C1"),
        ("C19Z", "CD", "C2"),
        ("C21Z", "CF", "C5"),
        ("C26A", "CI", "C3"),
        ("C29A", "CL", "C4"),
        ("C30C", "CL", "C4"),
        ("D35Z", "DZ", "DE"),
    ],
)
def test_product_parents(code: str, a38: str, a17: str) -> None:
    row = refs.products().set_index("code").loc[code]
    assert row["a38_code"] == a38
    assert row["a17_code"] == a17


def test_pharma() -> None:
    row = refs.products().set_index("code").loc["C21Z"]
    assert "pharmaceutique" in row["name"].lower()
    assert row["a38_name"] == "Industrie pharmaceutique"
    assert row["a17_name"] == "Fabrication d'autres produits industriels"
    assert refs.product_name("C21Z") == row["name"]
    assert refs.product_name("c21z") == row["name"]
    assert refs.is_product("C21Z")
    assert not refs.is_product("c21z")


# --- countries ---------------------------------------------------------------------------------


def test_countries_table() -> None:
    countries = refs.countries()
    assert list(countries.columns) == ["code", "name", "eu27", "zone"]
    assert countries["code"].is_unique
    assert countries["code"].str.fullmatch(r"[A-Z]{2}").all()
    assert countries["eu27"].dtype == bool
    assert set(countries["zone"]) == ZONES
    assert (countries["name"].str.strip() != "").all()
    assert list(countries["code"]) == sorted(countries["code"])


def test_eu27_exactly() -> None:
    countries = refs.countries()
    assert set(countries.loc[countries["eu27"], "code"]) == EU27
    assert set(countries.loc[countries["zone"] == "Union européenne", "code"]) == EU27


def test_namibia_is_not_missing() -> None:
    # "NA" must not be read as a missing value.
    assert refs.country_name("NA") == "Namibie"
    assert refs.is_country("NA")


@pytest.mark.parametrize(
    ("code", "name", "zone"),
    [
        ("FR", "France", "Union européenne"),
        ("DE", "Allemagne", "Union européenne"),
        ("US", "États-Unis", "Amérique du Nord"),
        ("CN", "Chine", "Asie"),
        ("GB", "Royaume-Uni", "Europe hors UE"),
        ("CH", "Suisse", "Europe hors UE"),
        ("KR", "Corée du Sud", "Asie"),
        ("BR", "Brésil", "Amérique latine et Caraïbes"),
        ("SA", "Arabie saoudite", "Proche et Moyen-Orient"),
        ("MA", "Maroc", "Afrique"),
        ("AU", "Australie", "Océanie"),
        ("XK", "Kosovo", "Europe hors UE"),
        ("QU", "Pays et territoires non déterminés", "Non déterminé"),
    ],
)
def test_country_spot_checks(code: str, name: str, zone: str) -> None:
    assert refs.country_name(code) == name
    assert refs.countries().set_index("code").loc[code, "zone"] == zone


def test_build_countries_reproduces_committed_file(tmp_path: Path) -> None:
    output = tmp_path / "countries.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_countries.py"), str(output)],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == (REF_DIR / "countries.csv").read_bytes()


# --- names and copies --------------------------------------------------------------------------


def test_fallback_names() -> None:
    assert refs.dept_name("99") == "99"
    assert refs.dept_name("") == ""
    assert refs.dept_name("1") == "Ain"
    assert refs.region_name("99") == "99"
    assert refs.region_name("1") == "Guadeloupe"
    assert refs.product_name("Z99Z") == "Z99Z"
    assert refs.country_name("ZZ") == "ZZ"
    assert refs.country_name("de") == "Allemagne"
    assert refs.dept_name(None) == ""  # type: ignore[arg-type]
    assert refs.country_name(42) == "42"  # type: ignore[arg-type]


def test_loaders_return_copies() -> None:
    frame = refs.departements()
    frame.loc[0, "name"] = "changed"
    frame["code"] = ""
    assert refs.dept_name("01") == "Ain"
    assert len(refs.departements()) == 101
    countries = refs.countries()
    countries["eu27"] = False
    assert refs.countries()["eu27"].sum() == 27


def test_csv_files_are_utf8_with_lf() -> None:
    for name in ("departements.csv", "regions.csv", "products.csv", "countries.csv"):
        data = (REF_DIR / name).read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data, name
        assert data.endswith(b"\n"), name

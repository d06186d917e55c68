"""Partner countries and groups (lib/core/partners.py, data/ref/partner_groups.csv,
scripts/build_partner_groups.py). Expectations are written out by hand from the treaties."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lib.core import partners, refs
from lib.core.config import REF_DIR, ROOT

# The 27 member states since 1 February 2020, written out independently of the data files.
EU27 = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip
# The euro area of 2022: 19 members (Lithuania since 2015, before Croatia in 2023).
EURO_2022 = {
    "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PT", "SI", "SK",
}  # fmt: skip
GULF = ("AE", "BH", "KW", "OM", "QA", "SA")
GROUPS = ("UE27", "HORS_UE", "ZONE_EURO", "GOLFE")


def _all_countries() -> set[str]:
    with (REF_DIR / "countries.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle)}


# --- the UE through time -----------------------------------------------------------------------


@pytest.mark.parametrize(("year", "expected"), [(2015, True), (2019, True), (2020, False)])
def test_united_kingdom_leaves_in_2020(year: int, expected: bool) -> None:
    assert ("GB" in partners.members("UE27", year)) is expected
    assert ("GB" in partners.eu_members(year)) is expected
    assert ("GB" in partners.members("HORS_UE", year)) is not expected


def test_united_kingdom_outside_in_2024() -> None:
    assert "GB" not in partners.eu_members(2024)
    assert "GB" in partners.members("HORS_UE", 2024)


@pytest.mark.parametrize("year", [2020, 2021, 2024])
def test_eu_of_27(year: int) -> None:
    assert set(partners.members("UE27", year)) == EU27
    assert len(partners.members("UE27", year)) == 27
    assert partners.eu_members(year) == frozenset(EU27)


@pytest.mark.parametrize("year", [2015, 2019])
def test_eu_of_28(year: int) -> None:
    assert set(partners.members("UE27", year)) == EU27 | {"GB"}
    assert len(partners.members("UE27", year)) == 28


def test_croatia_joins_the_eu_in_july_2013() -> None:
    # Accession on 1 July 2013: a member on the reference day of 2013, not of 2012.
    assert "HR" in partners.eu_members(2013)
    assert "HR" not in partners.eu_members(2012)
    assert len(partners.eu_members(2012)) == 27  # 26 of today's + the United Kingdom


def test_members_are_sorted_tuples() -> None:
    for code in GROUPS:
        got = partners.members(code, 2024)
        assert isinstance(got, tuple)
        assert list(got) == sorted(got)
        assert len(set(got)) == len(got)


def test_countries_table_flag_agrees() -> None:
    # countries.csv (built by another script) flags today's 27 members.
    flagged = set(refs.countries().query("eu27")["code"])
    assert flagged == set(partners.eu_members(2024)) == EU27


# --- hors UE -----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2015, 2019, 2020, 2024])
def test_outside_eu_complements_eu(year: int) -> None:
    eu = set(partners.members("UE27", year))
    outside = set(partners.members("HORS_UE", year))
    assert eu & outside == set()
    assert eu | outside | {"FR"} == _all_countries()
    assert "FR" not in outside


def test_outside_eu_holds_customs_codes() -> None:
    outside = set(partners.members("HORS_UE", 2024))
    assert {"US", "CN", "CH", "GB", "XI", "XU", "QU", "QR", "XK"} <= outside
    assert len(outside) == len(_all_countries()) - 27


# --- euro area and Gulf ------------------------------------------------------------------------


def test_croatia_joins_the_euro_in_2023() -> None:
    assert "HR" in partners.members("ZONE_EURO", 2023)
    assert "HR" not in partners.members("ZONE_EURO", 2022)
    assert set(partners.members("ZONE_EURO", 2022)) == EURO_2022
    assert set(partners.members("ZONE_EURO", 2023)) == EURO_2022 | {"HR"}


def test_lithuania_joins_the_euro_in_2015() -> None:
    assert "LT" in partners.members("ZONE_EURO", 2015)
    assert "LT" not in partners.members("ZONE_EURO", 2014)
    assert len(partners.members("ZONE_EURO", 2014)) == 18


def test_bulgaria_joins_the_euro_in_2026() -> None:
    assert "BG" not in partners.members("ZONE_EURO", 2025)
    assert "BG" in partners.members("ZONE_EURO", 2026)


def test_euro_area_inside_eu() -> None:
    for year in range(2015, 2027):
        assert set(partners.members("ZONE_EURO", year)) <= partners.eu_members(year)


@pytest.mark.parametrize("year", [2015, 2024])
def test_gulf(year: int) -> None:
    assert partners.members("GOLFE", year) == GULF


# --- single countries, labels, choices ---------------------------------------------------------


def test_a_country_stands_for_itself() -> None:
    assert partners.members("US", 2024) == ("US",)
    assert partners.members("GB", 2019) == ("GB",)
    assert partners.members("QU", 2024) == ("QU",)


def test_default_partner() -> None:
    assert partners.DEFAULT_PARTNER == "US"
    assert partners.is_partner(partners.DEFAULT_PARTNER)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("UE27", "Union européenne (UE à 27)"),
        ("HORS_UE", "Hors Union européenne"),
        ("ZONE_EURO", "Zone euro"),
        ("GOLFE", "Pays du Golfe (CCG)"),
        ("US", "États-Unis"),
        ("CN", "Chine"),
        ("GB", "Royaume-Uni"),
        ("CH", "Suisse"),
        ("DE", "Allemagne"),
    ],
)
def test_labels(code: str, label: str) -> None:
    assert partners.partner_label(code) == label


def test_eu_label_of_a_year() -> None:
    assert partners.partner_label("UE27", 2019) == "Union européenne (UE à 28)"
    assert partners.partner_label("UE27", 2024) == "Union européenne (UE à 27)"
    assert partners.partner_label("US", 2019) == "États-Unis"


def test_unknown_label_is_the_code() -> None:
    assert partners.partner_label("ZZZ") == "ZZZ"


def test_choices() -> None:
    choices = partners.partner_choices()
    assert list(choices)[:4] == list(GROUPS)
    assert choices["US"] == "États-Unis"
    assert "FR" not in choices
    assert set(choices) == set(GROUPS) | (_all_countries() - {"FR"})
    # Countries by French name, accents ignored: États-Unis among the E, before Éthiopie.
    names = list(choices.values())[4:]
    assert names.index("Espagne") < names.index("États-Unis") < names.index("Éthiopie")
    assert names.index("Éthiopie") < names.index("Fidji")
    assert names[0] == "Afghanistan"


def test_choices_are_a_copy() -> None:
    partners.partner_choices()["XX"] = "nope"
    assert "XX" not in partners.partner_choices()


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [*GROUPS, "US", "CN", "GB", "CH", "NA", "QU", "XK"])
def test_is_partner(code: str) -> None:
    assert partners.is_partner(code)


@pytest.mark.parametrize(
    "code",
    [
        None,
        "",
        " US",
        "us",
        "ue27",
        "FR",
        "ZZ",
        "UE",
        "EU27",
        "US,CN",
        "US\x00",
        "Ｕｓ",
        "ÉU",
        "🇺🇸",
        "US" * 100_000,
        42,
        3.5,
        b"US",
        ["US"],
        True,
    ],
)
def test_not_a_partner(code: object) -> None:
    assert partners.is_partner(code) is False


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("US", "US"),
        (" us ", "US"),
        ("ue27", "UE27"),
        ("hors_ue", "HORS_UE"),
        ("Golfe", "GOLFE"),
        ("na", "NA"),
        ("fr", None),
        ("Ｕｓ", None),  # full-width letters are not ASCII: not read in upper case
        ("ü", None),
        ("", None),
        (None, None),
        (7, None),
        ("x" * 1_000_000, None),
    ],
)
def test_normalize_partner(raw: object, code: str | None) -> None:
    assert partners.normalize_partner(raw) == code


@pytest.mark.parametrize("code", ["FR", "ZZ", "us", ""])
def test_members_of_unknown_code_raise(code: str) -> None:
    with pytest.raises(ValueError, match="unknown partner"):
        partners.members(code, 2024)


# --- the committed table -----------------------------------------------------------------------


def _script() -> ModuleType:
    path = ROOT / "scripts" / "build_partner_groups.py"
    spec = importlib.util.spec_from_file_location("build_partner_groups", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_reproduces_committed_file(tmp_path: Path) -> None:
    output = tmp_path / "partner_groups.csv"
    _script().write(output)
    assert output.read_bytes() == (REF_DIR / "partner_groups.csv").read_bytes()


def test_build_script_runs(tmp_path: Path) -> None:
    output = tmp_path / "groups.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_partner_groups.py"), str(output)],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == (REF_DIR / "partner_groups.csv").read_bytes()


def test_committed_table_shape() -> None:
    with (REF_DIR / "partner_groups.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["group", "label", "country", "valid_from", "valid_to"]
    countries = _all_countries()
    assert {row["country"] for row in rows} <= countries
    assert all(len(row["group"]) != 2 for row in rows)
    assert {row["group"] for row in rows} == {"UE27", "ZONE_EURO", "GOLFE"}
    united_kingdom = [row for row in rows if row["country"] == "GB"]
    assert united_kingdom == [
        {
            "group": "UE27",
            "label": "Union européenne (UE à 27)",
            "country": "GB",
            "valid_from": "1973-01-01",
            "valid_to": "2020-01-31",
        }
    ]


def test_group_codes_never_collide_with_countries() -> None:
    assert set(GROUPS).isdisjoint(_all_countries())

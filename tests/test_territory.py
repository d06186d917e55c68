"""Territory parsing: every code is checked against the reference tables."""

from __future__ import annotations

import pytest

from lib.core.territory import FRANCE, InvalidTerritory, Territory, parse_territory


@pytest.mark.parametrize(
    ("level", "code", "expected"),
    [
        ("dept", "53", Territory("dept", "53")),
        ("dept", "1", Territory("dept", "01")),
        ("dept", "2a", Territory("dept", "2A")),
        ("dept", "971", Territory("dept", "971")),
        ("region", "52", Territory("region", "52")),
        ("region", "1", Territory("region", "01")),
        ("france", None, FRANCE),
        ("france", "anything", FRANCE),
    ],
)
def test_valid_territories(level: str, code: str | None, expected: Territory) -> None:
    assert parse_territory(level, code) == expected


@pytest.mark.parametrize(
    ("level", "code"),
    [
        ("dept", "20"),
        ("dept", "96"),
        ("dept", "975"),
        ("dept", ""),
        ("dept", None),
        ("dept", "53; DROP TABLE trade"),
        ("region", "99"),
        ("region", None),
        ("region", True),
        ("commune", "53"),
        (None, None),
    ],
)
def test_invalid_territories_raise(level: object, code: object) -> None:
    with pytest.raises(InvalidTerritory):
        parse_territory(level, code)


def test_departement_knows_its_region_and_name() -> None:
    mayenne = parse_territory("dept", "53")
    assert mayenne.name == "Mayenne"
    assert mayenne.label == "Mayenne (53)"
    assert mayenne.region == Territory("region", "52")
    assert mayenne.region.name == "Pays de la Loire"
    assert mayenne.depts == ["53"]


def test_region_is_its_own_region_and_covers_its_departements() -> None:
    normandie = parse_territory("region", "28")
    assert normandie.region == normandie
    assert normandie.depts == ["14", "27", "50", "61", "76"]


def test_france_covers_everything() -> None:
    assert FRANCE.depts is None
    assert FRANCE.region is None
    assert FRANCE.name == "France entière"


def test_what_a_fiche_compares_with() -> None:
    from lib.core.territory import FRANCE, Territory

    mayenne, loire = Territory("dept", "53"), Territory("region", "52")
    assert mayenne.comparisons == [loire, FRANCE]
    assert mayenne.parent_region_name == "Pays de la Loire"
    assert loire.comparisons == [FRANCE] and loire.parent_region_name is None
    assert FRANCE.comparisons == [] and FRANCE.parent_region_name is None

"""The fiche's texts: the seed publication's sentences where they apply (compared with the seed
fiche's own text, read here), adapted to a département, a région, France and a partial year."""

from __future__ import annotations

import pytest

from lib.core import config
from lib.core.territory import FRANCE, Territory
from lib.fiche import texts

SEED = config.ROOT / "tests" / "seeds"  # see its README
MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")


def _seed_paragraphs() -> list[str]:
    """The Mayenne seed fiche's non-empty lines, stripped."""
    text = (SEED / "000_b1df387bca0cbf93.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _between(lines: list[str], first: str, last: str) -> list[str]:
    return lines[lines.index(first) + 1 : lines.index(last)]


def _all_text(*sections: texts.Section) -> str:
    return "\n".join("\n".join((s.title, *s.paragraphs, *s.bullets, *s.closing)) for s in sections)


def _texts(territory: Territory, year: int = 2024, quarters: tuple[int, ...] = (1, 2, 3, 4)):
    return (
        texts.context(territory, year, quarters),
        texts.methodology(territory, year, quarters),
        texts.practical_information(territory, year, quarters),
    )


def test_a_departement_in_2024_reads_as_the_seed_fiche() -> None:
    seed = _seed_paragraphs()
    context, methodology, practical = _texts(MAYENNE)
    seed_context = _between(seed, "Contexte", "Précisions méthodologiques")
    # Same paragraphs but the third, where « Cette publication » / « par département » become
    # this fiche's.
    assert context.paragraphs[:2] == tuple(seed_context[:2])
    assert context.paragraphs[3] == seed_context[3]
    assert "fondée sur les données douanières de 2024" in context.paragraphs[2]
    assert "un état des lieux du département (Mayenne)" in context.paragraphs[2]
    seed_limits = _between(seed, "Précisions méthodologiques", "Balance commerciale territoriale")
    assert methodology.paragraphs == (seed_limits[0],)
    assert methodology.bullets == tuple(line.removeprefix("- ") for line in seed_limits[1:4])
    assert methodology.closing == (seed_limits[4],)  # « … pour l'année 2024, produites par… »
    aim = _between(seed, "Informations pratiques", "Pour aller plus loin :")[0]
    assert practical.paragraphs[0] == aim.replace("Ce document", "Cette fiche")
    assert (
        "« Statistiques régionales et départementales du commerce extérieur »"
        in (practical.paragraphs[1])
    )
    assert any("Territoires d'industrie du département" in b for b in practical.bullets)
    intro = texts.introduction(MAYENNE)
    assert "à l'échelle du département (Mayenne) — l'échelon le plus fin disponible" in intro[1]


def test_a_region_leaves_out_what_only_fits_a_departement() -> None:
    context, methodology, practical = _texts(PAYS_DE_LA_LOIRE)
    text = _all_text(context, methodology, practical)
    assert "un état des lieux de la région Pays de la Loire" in text
    assert "Grâce à ce nouvel éclairage" not in text
    assert "Territoires d'industrie du département" not in text
    assert "département A peut être exporté depuis un département B" in text  # still true
    assert (
        "région Pays de la Loire, somme de ses départements"
        in texts.introduction(PAYS_DE_LA_LOIRE)[1]
    )


def test_france_has_its_own_method_note_and_no_comparison() -> None:
    context, methodology, practical = _texts(FRANCE)
    text = _all_text(context, methodology, practical)
    assert "un état des lieux de la France entière : " in text
    assert "par rapport à" not in context.paragraphs[2]
    assert "département A" not in text
    assert "ne rattachent à aucun département" in text
    assert "Grâce à ce nouvel éclairage" not in text
    assert "Territoires d'industrie du département" not in text
    assert "la France entière" in texts.introduction(FRANCE)[1]


@pytest.mark.parametrize(
    ("quarters", "label", "covered"),
    [((1, 2), "2025 (T1–T2)", "les trimestres T1–T2"), ((1,), "2025 (T1)", "le trimestre T1")],
)
def test_a_partial_year_carries_its_quarters(
    quarters: tuple[int, ...], label: str, covered: str
) -> None:
    context, methodology, practical = _texts(MAYENNE, 2025, quarters)
    assert f"fondée sur les données douanières de {label}, propose" in context.paragraphs[2]
    assert f"pour l'année {label}, produites par" in methodology.closing[0]
    assert f"données de {label}, Licence Ouverte" in practical.paragraphs[1]
    partial = f"L'année 2025 est incomplète : les chiffres ne couvrent que {covered}."
    assert context.paragraphs[-1] == partial
    assert partial in practical.paragraphs
    whole = _all_text(*_texts(MAYENNE, 2025))
    assert "incomplète" not in whole and "données douanières de 2025," in whole


def test_the_territoires_d_industrie_texts_follow_the_seed() -> None:
    seed = _seed_paragraphs()
    footnote = next(line for line in seed if line.startswith("* Les Territoires"))
    # The seed capitalises « Industrie »; the fiche writes the programme's name as ANCT does
    # elsewhere in the same fiche (« programme Territoires d'industrie »).
    assert texts.TI_FOOTNOTE.lower() == footnote.lower() + "."
    assert texts.TI_MISSING == (
        "Aucune liste de Territoires d'industrie n'est disponible pour ce département : "
        "importez le fichier de l'ANCT (page Importer)."
    )

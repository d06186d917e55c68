"""The fiche's texts, after the seed publication « Les indicateurs clés : commerce extérieur »
(ANCT–DGE, 2025): its « Introduction », « Contexte et méthodologie » (« Contexte »,
« Précisions méthodologiques ») and « Informations pratiques », for any territory and year.

The seed speaks of one département and of 2024. Here the year is the fiche's (a partial year
with its quarters, as `periods.year_label` writes it everywhere: « 2025 (T1–T2) »), and the
sentences that only make sense for a département are left out for a région or France.

Plain text, no Markdown: territory names come from the reference tables, and the pages still
render every paragraph through lib.core.escaping.plain. The links and the contact address are the
project's constants, which the pages render as links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from lib.core import formatting, periods
from lib.core.schema import QUARTERS
from lib.core.territory import Level, Territory
from lib.data import industry_lists

PUBLICATION = "Les indicateurs clés : commerce extérieur"
SOURCE = "Statistiques régionales et départementales du commerce extérieur"
TI_TITLE = "Principaux Territoires d'industrie du département"
TI_FOOTNOTE = (
    "* Les Territoires d'industrie adjacents comptant moins de "
    f"{industry_lists.MIN_COMMUNES} communes dans le département ont été retirés."
)
TI_MISSING = (
    "Aucune liste de Territoires d'industrie n'est disponible pour ce département : importez "
    "le fichier de l'ANCT (page Importer)."
)
TI_NONE = (
    "Aucun Territoire d'industrie ne compte au moins "
    f"{industry_lists.MIN_COMMUNES} communes dans ce département."
)
# The titles of the flow sections, by flow code: above the territory's Sankey, and above the
# région's and France's beside it.
FLOW_TITLES = {
    "E": ("Flux à l'export par produit et par pays", "Flux à l'export"),
    "I": ("Flux à l'import par pays et par produit", "Flux à l'import"),
}
CONTACT = "territoires-industrie@anct.gouv.fr"
LINKS = (
    ("Actualités de l'ANCT", "https://anct.gouv.fr/actualites"),
    ("Actualités de la DGE", "https://www.entreprises.gouv.fr/la-dge/actualites"),
)


@dataclass(frozen=True)
class Section:
    """A titled block: paragraphs, then a list, then closing paragraphs."""

    title: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()


def _period(year: int, quarters: Sequence[int]) -> str:
    return periods.year_label(year, quarters)


def _partial(year: int, quarters: Sequence[int]) -> tuple[str, ...]:
    """The sentence a partial year needs, or nothing for a whole year."""
    text = periods.quarters_text(quarters)
    if not text:
        return ()
    which = "le trimestre" if len(set(quarters)) == 1 else "les trimestres"
    return (f"L'année {year} est incomplète : les chiffres ne couvrent que {which} {text}.",)


def _of(territory: Territory) -> str:
    """« du département (Mayenne) », « de la région Bretagne », « de la France entière ».
    A département's name takes an article that the reference tables do not give (« de la
    Mayenne », « du Loiret »): it stands in parentheses rather than being misspelt."""
    if territory.level == "dept":
        return f"du département ({territory.name})"
    if territory.level == "region":
        return f"de la région {territory.name}"
    return "de la France entière"


def introduction(territory: Territory) -> tuple[str, ...]:
    """The seed's « Introduction », for this territory."""
    program = (
        "Dans le cadre du programme Territoires d'industrie, copiloté par l'ANCT et la DGE, une "
        "première série de portraits socio-économiques territoriaux a été publiée en octobre "
        "2024, en partenariat avec l'INSEE. Ce format s'est prolongé par des publications "
        "thématiques, en lien avec les enjeux identifiés dans les territoires ; celle-ci, "
        f"« {PUBLICATION} », est consacrée au commerce extérieur, un sujet au cœur de "
        "l'actualité économique. Cette fiche la reprend pour tout département, toute région et "
        "la France entière."
    )
    indicators = (
        "à travers une sélection d'indicateurs et d'infographies, fondés sur les statistiques "
        "établies par les Douanes"
    )
    if territory.level == "dept":
        scale = (
            "Souvent analysé à l'échelle nationale, le commerce extérieur est regardé ici à "
            f"l'échelle {_of(territory)} — l'échelon le plus fin disponible — {indicators}."
        )
    elif territory.level == "region":
        scale = (
            "Souvent analysé à l'échelle nationale, le commerce extérieur est regardé ici à "
            f"l'échelle {_of(territory)}, somme de ses départements — l'échelon le plus fin "
            f"disponible, chacun ayant sa fiche — {indicators}."
        )
    else:
        scale = (
            f"Cette fiche présente la France entière {indicators} ; chaque région et chaque "
            "département — l'échelon le plus fin disponible — a la sienne, qui permet de le "
            "situer par rapport à la moyenne nationale."
        )
    return program, scale


def context(territory: Territory, year: int, quarters: Sequence[int] = QUARTERS) -> Section:
    """The seed's « Contexte »: why, then what this fiche shows for this territory and year."""
    situate = {
        "dept": ", et permet de le situer par rapport à sa région et à la moyenne nationale",
        "region": ", et permet de la situer par rapport à la moyenne nationale",
        "france": "",
    }[territory.level]
    paragraphs: tuple[str, ...] = (
        "Face aux profondes mutations du commerce mondial, l'ouverture des industries et la "
        "nature des flux commerciaux exposent les territoires à de nouvelles menaces comme à de "
        "nouvelles opportunités.",
        "Depuis le début de l'année 2025, la montée en puissance des menaces de surtaxes "
        "douanières émanant des États-Unis a renforcé les tensions commerciales internationales. "
        "Dans ce contexte, l'incertitude s'accroît pour les industriels, qui s'interrogent de "
        "plus en plus sur leur exposition et leur dépendance aux chaînes de valeur mondiales, "
        "tant à l'importation qu'à l'exportation. Cette situation incite les acteurs économiques "
        "à diversifier leurs partenaires, sécuriser leurs approvisionnements et saisir de "
        "nouvelles opportunités de développement, afin de mieux s'adapter à un environnement "
        "commercial en recomposition.",
        "Pourtant, la traduction territoriale de ces évolutions reste encore peu étudiée. Cette "
        f"fiche, fondée sur les données douanières de {_period(year, quarters)}, propose ainsi "
        f"un état des lieux {_of(territory)} : elle met en lumière les principales activités "
        "exportatrices et importatrices, les pays partenaires les plus importants"
        f"{situate}.",
    )
    if territory.level == "dept":
        paragraphs += (
            "Grâce à ce nouvel éclairage, les Territoires d'industrie disposent d'un outil de "
            "lecture pour mieux comprendre leur position dans les échanges internationaux dans "
            "le contexte économique actuel.",
        )
    return Section("Contexte", (*paragraphs, *_partial(year, quarters)))


def methodology(territory: Territory, year: int, quarters: Sequence[int] = QUARTERS) -> Section:
    """The seed's « Précisions méthodologiques »: the limits of the figures, then the source."""
    local = (
        "Les données sont établies selon le lieu de dédouanement, qui ne reflète pas toujours "
        "le lieu de production. Par exemple, un bien fabriqué dans un département A peut être "
        "exporté depuis un département B. Les chiffres dépendent ainsi des chaînes logistiques "
        "mises en place en interne par les entreprises.",
        "De manière similaire, la présence de grandes infrastructures de transport peut "
        "introduire des biais. Par exemple, les zones industrialo-portuaires concentrent les "
        "importations d'hydrocarbures, ce qui ne signifie pas que l'usage en est fait "
        "exclusivement dans les départements correspondants.",
    )
    national = (
        "Les données sont établies selon le lieu de dédouanement : leur répartition entre "
        "départements dépend des chaînes logistiques des entreprises et des grandes "
        "infrastructures de transport, mais pas le total national, qui comprend aussi les "
        "échanges que les Douanes ne rattachent à aucun département.",
    )
    finest = (
        "Enfin, l'échelle infra-départementale, notamment celle des Territoires d'industrie, "
        "n'est pas accessible à ce jour. Pour les territoires interdépartementaux, il est "
        "recommandé de consulter les fiches des différents départements concernés.",
    )
    return Section(
        "Précisions méthodologiques",
        paragraphs=(
            "Les infographies présentées permettent d'avoir des ordres de grandeur des grands "
            "équilibres actuels, mais comportent certaines limites :",
        ),
        bullets=(national if territory.level == "france" else local) + finest,
        closing=(
            "Les infographies reposent sur les données départementales et régionales du "
            f"commerce extérieur pour l'année {_period(year, quarters)}, produites par la "
            "Direction générale des Douanes et Droits indirects et accessibles en open data.",
        ),
    )


def practical_information(
    territory: Territory, year: int, quarters: Sequence[int] = QUARTERS
) -> Section:
    """The seed's « Informations pratiques »: the aim, the source and year, the definitions of
    what the fiche shows, the programme's contact (CONTACT, LINKS)."""
    definitions: tuple[str, ...] = (
        "Exportations, importations : valeur en euros des marchandises échangées avec les pays "
        "partenaires, rattachées au département du lieu de dédouanement ; une région est la "
        "somme de ses départements.",
        "Solde commercial : exportations moins importations. Taux de couverture : exportations "
        "rapportées aux importations, en pourcentage.",
        "Produits : positions A129 de la nomenclature d'activités (NAF rév. 2) ; le détail en "
        "CPF4 quand les fichiers des Douanes le donnent. Pays : codes des Douanes (ISO 3166).",
    )
    if territory.level == "dept":
        definitions += (
            "Territoires d'industrie du département : ceux qui y comptent au moins "
            f"{industry_lists.MIN_COMMUNES} communes, d'après la liste de l'ANCT.",
        )
    return Section(
        "Informations pratiques",
        paragraphs=(
            "Cette fiche a pour objectif de dresser un état des lieux territorialisé du commerce "
            "extérieur, à destination des acteurs locaux, dans un contexte douanier en forte "
            "évolution.",
            f"Source : Direction générale des Douanes et Droits indirects (DGDDI), « {SOURCE} », "
            f"données de {_period(year, quarters)}, Licence Ouverte / Open Licence Etalab 2.0.",
            *_partial(year, quarters),
        ),
        bullets=definitions,
        closing=(
            "Pour en savoir plus sur le programme Territoires d'industrie, copiloté par l'ANCT "
            "et la DGE, vous pouvez le contacter au niveau national à l'adresse :",
        ),
    )


# --- « Exposition aux États-Unis », after the key figures ------------------------------------

# The block on the fiche's exposure partner (lib.core.partners.US).
US_TITLE = "Exposition aux États-Unis"
_RANKED_UNITS: dict[Level, tuple[str, bool, str]] = {  # unit, feminine, « le … le plus »
    "dept": ("département", False, "le département"),
    "region": ("région", True, "la région"),
}
_HOW_MANY = {
    1: "Le produit le plus exporté",
    2: "Les deux produits les plus exportés",
    3: "Les trois produits les plus exportés",
}


@dataclass(frozen=True)
class PartnerExposure:
    """The « Exposition aux États-Unis » block as text: its figures (label, value, how it is
    computed), the heading and lines of its products; or, with nothing to measure, only the
    sentence that says so (`note`)."""

    figures: tuple[tuple[str, str, str], ...] = ()
    products_heading: str = ""
    products: tuple[str, ...] = ()
    note: str = ""


def us_exposure(summary: pd.DataFrame, level: Level, period: str) -> PartnerExposure:
    """The block from lib.data.exposure.partner_summary's table for the United States (its first
    row the territory's, then its products), for a territory of `level` and a `period` as
    periods.year_label writes it."""
    first = summary.iloc[0]
    if not first["exports_eur"] > 0:  # nothing exported, or no data for the year
        return PartnerExposure(
            note=f"Aucune exportation de ce territoire en {period} : pas d'exposition aux "
            "États-Unis à mesurer."
        )
    if not first["to_partner_eur"] > 0:
        return PartnerExposure(
            note=f"Aucune exportation de ce territoire vers les États-Unis en {period}."
        )
    figures = [
        (
            "Exportations vers les États-Unis",
            formatting.meur(first["to_partner_eur"]),
            f"Valeur des marchandises exportées vers les États-Unis en {period}.",
        ),
        (
            "Part des exportations du territoire",
            formatting.share(first["share_pct"]),
            "Exportations vers les États-Unis ÷ exportations totales du territoire × 100.",
        ),
    ]
    if level in _RANKED_UNITS and not pd.isna(first["rank_share"]):
        unit, feminine, most = _RANKED_UNITS[level]
        of = int(first["of"])
        figures.append(
            (
                f"Rang de cette part, sur {of} {unit}{'s' if of > 1 else ''}",
                formatting.ordinal(int(first["rank_share"]), feminine),
                f"Rang selon cette part : {formatting.ordinal(1, feminine)}, {most} dont la "
                "part des exportations allant vers les États-Unis est la plus forte.",
            )
        )
    products = summary.iloc[1:]
    # Column by column: iterrows builds a row of mixed types for each product, 2 ms of the
    # fiche's first screen for three lines (docs/PERFORMANCE.md).
    lines = tuple(
        f"{name} : {formatting.meur(to_partner)}, soit "
        f"{formatting.share(share)} des exportations de ce produit"
        for name, to_partner, share in zip(
            products["name"], products["to_partner_eur"], products["share_pct"], strict=True
        )
    )
    many = _HOW_MANY.get(len(lines), f"Les {len(lines)} produits les plus exportés")
    return PartnerExposure(tuple(figures), f"{many} vers les États-Unis :", lines)

"""The sections of a page that are computed only when opened (issue 18).

A page's first screen is drawn at once; its other sections are listed in the page's order,
named, closed, and computed only when a visitor opens one. The URL records the open ones
(`&section=situer,flux-export`), so that a shared link opens on the same sections, and the
sections stay open when the year or the territory changes (the controls keep the URL's other
parameters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SECTION_KEY = "section"  # the URL parameter


@dataclass(frozen=True)
class Section:
    """One section: `slug` in the URL, `title` on the page, a Material icon beside it."""

    slug: str
    title: str
    icon: str = ":material/expand_circle_down:"


FICHE = (
    Section("situer", "Situer le territoire", ":material/leaderboard:"),
    Section("monde", "Les pays partenaires dans le monde", ":material/public:"),
    Section("activites", "Principales activités à l'import et à l'export", ":material/category:"),
    Section("flux-export", "Flux à l'export", ":material/north_east:"),
    Section("flux-import", "Flux à l'import", ":material/south_west:"),
    Section("contexte", "Contexte, méthodologie et informations pratiques", ":material/info:"),
)

EXPOSITION = (
    Section("carte", "Carte des départements les plus exposés", ":material/map:"),
    Section("scenario", "Scénario de droits de douane", ":material/percent:"),
    Section("dependances", "Dépendances à l'import", ":material/link:"),
)
DIVERSIFIER = (
    Section("carte", "Carte du monde des marchés à explorer", ":material/public:"),
    Section("activites", "Activités proches", ":material/hub:"),
    Section("territoires", "Territoires comparables", ":material/groups:"),
)
EVOLUTION = (
    Section(
        "variation", "Ce qui a porté la variation entre deux années", ":material/waterfall_chart:"
    ),
)
COMPARER = (
    Section("partenaires", "Principaux pays partenaires", ":material/public:"),
    Section("produits", "Principaux produits", ":material/category:"),
    Section("evolution", "Évolution des échanges", ":material/trending_up:"),
)
PRODUIT = (
    Section("carte", "Carte des départements", ":material/map:"),
    Section("partenaires", "Pays partenaires", ":material/public:"),
    Section("evolution", "Évolution", ":material/trending_up:"),
)
PAYS = (
    Section("departements", "Les départements", ":material/map:"),
    Section("evolution", "Évolution", ":material/trending_up:"),
)


def slugs(sections: Sequence[Section]) -> tuple[str, ...]:
    return tuple(section.slug for section in sections)


def in_page_order(opened: Sequence[str], sections: Sequence[Section]) -> tuple[str, ...]:
    """The known slugs of `opened`, once each, in the page's order."""
    wanted = set(opened)
    return tuple(slug for slug in slugs(sections) if slug in wanted)


def toggled(
    opened: Sequence[str], slug: str, is_open: bool, sections: Sequence[Section]
) -> tuple[str, ...]:
    """`opened` with `slug` opened or closed."""
    rest = [other for other in opened if other != slug]
    return in_page_order([*rest, slug] if is_open else rest, sections)

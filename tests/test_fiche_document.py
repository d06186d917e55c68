"""The fiche as a document (lib/fiche/contents.py) and its HTML (lib/fiche/as_html.py), without a
browser: pages in the seed's order, the published figures in its sentences, and hostile names
that stay text. The printed PDF is tested in tests/test_fiche_pdf.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.core.territory import FRANCE, Territory
from lib.fiche import as_html, contents
from tests.conftest import rows

MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")
NBSP = "\u00a0"

# The section titles of the seed « Les indicateurs clés : commerce extérieur » (Mayenne, 2024),
# in their order (tests/seeds/000_b1df387bca0cbf93.txt).
SEED_TITLES_MAYENNE = [
    "Les indicateurs clés : commerce extérieur",
    "Introduction",
    "Principaux Territoires d'industrie du département",
    "Contexte et méthodologie",
    "Contexte",
    "Précisions méthodologiques",
    "Balance commerciale territoriale",
    "Principaux pays à l'import et à l'export, Mayenne (2024)",
    "Principales activités à l'import et à l'export, Mayenne (2024)",
    "Exportations",
    "Flux à l'export par produit et par pays, Mayenne (en valeur, 2024)",
    "Flux à l'export, Pays de la Loire (en valeur, 2024)",
    "Flux à l'export, France entière (en valeur, 2024)",
    "Importations",
    "Flux à l'import par pays et par produit, Mayenne (en valeur, 2024)",
    "Flux à l'import, Pays de la Loire (en valeur, 2024)",
    "Flux à l'import, France entière (en valeur, 2024)",
    "Informations pratiques",
]


@pytest.fixture(scope="module")
def mayenne(demo: Path) -> contents.Document:
    return contents.build(MAYENNE, 2024, 10, generated=dt.date(2026, 11, 30))


class _Text(HTMLParser):
    """The visible text of an HTML page, one entry per element's text, and its headings."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.headings: list[str] = []
        self._skip = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag in ("h1", "h2", "h3", "figcaption"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("h1", "h2", "h3", "figcaption") and self._heading is not None:
            self.headings.append("".join(self._heading).rstrip("*"))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.texts.append(data)
        if self._heading is not None:
            self._heading.append(data)


def _read(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


def _figures(page: str) -> dict[str, dict]:
    """The figures' JSON of the page, by chart id, parsed as the browser does."""
    found = re.findall(
        r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page, re.S
    )
    return {key: json.loads(spec) for key, spec in found}


def test_the_seed_titles_in_their_order(mayenne: contents.Document) -> None:
    headings = _read(as_html.render(mayenne)).headings
    assert [h for h in headings if h in SEED_TITLES_MAYENNE] == SEED_TITLES_MAYENNE


def test_nine_pages_for_a_departement_as_the_seed(mayenne: contents.Document) -> None:
    # The seed: cover, context, balance, activities, exports and their comparison, imports and
    # theirs, practical information.
    pages = [html.unescape(page) for page in as_html.pages(mayenne)]
    assert len(pages) == 9
    assert "<h2>Balance commerciale territoriale</h2>" in pages[2]
    assert "Flux à l'export, Pays de la Loire" in pages[5]
    assert "<h2>Informations pratiques</h2>" in pages[8]


@pytest.mark.parametrize(
    ("territory", "count", "absent"),
    [(PAYS_DE_LA_LOIRE, 9, "Flux à l'export, Pays de la Loire"), (FRANCE, 7, "comparée")],
)
def test_a_region_compares_with_france_only_and_france_with_nothing(
    demo: Path, territory: Territory, count: int, absent: str
) -> None:
    doc = contents.build(territory, 2024, 10)
    assert len(as_html.pages(doc)) == count
    assert absent not in html.unescape(as_html.render(doc))
    assert doc.industry is None  # Territoires d'industrie: a département's list only


def test_the_published_totals_and_shares(mayenne: contents.Document) -> None:
    # Mayenne 2024, as published in the seed (1 773.5 M€, 6.6 %, 0.31 %; imports 2 212.3 M€,
    # 6.5 %, 0.32 %), written à la française.
    text = " ".join(_read(as_html.render(mayenne)).texts).replace(NBSP, " ")
    for sentence in (
        "Total des exportations : 1 773,5 M€",
        "soit 6,6 % de la valeur exportée par la région Pays de la Loire",
        "soit 0,31 % de la valeur exportée au niveau national",
        "Total des importations : 2 212,3 M€",
        "soit 6,5 % de la valeur importée par la région Pays de la Loire",
        "soit 0,32 % de la valeur importée au niveau national",
        "Total des exportations : 27 075,2 M€",  # Pays de la Loire
        "Total des exportations : 580 354,5 M€",  # France
        "Total des importations : 684 776,3 M€",
    ):
        assert sentence in text


def test_the_cover_has_the_key_figures(mayenne: contents.Document) -> None:
    cover = " ".join(_read(as_html.pages(mayenne)[0]).texts).replace(NBSP, " ")
    for label, value in (("Exportations", "1 773,5 M€"), ("Importations", "2 212,3 M€")):
        assert f"{label} {value}" in " ".join(cover.split())
    # Balance and coverage from the published totals: 1 773.5 − 2 212.3 = −438.8 M€, 80.2 %.
    assert "−438,8 M€" in cover and "80,2 %" in cover


def test_every_chart_has_its_place_and_figure(mayenne: contents.Document) -> None:
    page = as_html.render(mayenne)
    figures = _figures(page)
    keys = [chart.key for chart in mayenne.charts]
    assert len(keys) == len(set(keys)) == 8  # partners, treemap, 3 Sankeys per flow
    assert list(figures) == keys
    assert all(f'<div class="chart" id="{key}"></div>' in page for key in keys)
    for spec in figures.values():
        assert spec["layout"]["width"] == contents.PAGE_WIDTH_PX
        assert spec["data"], "a chart without a trace"
    assert {figures[k]["data"][0]["type"] for k in keys[2:]} == {"sankey"}


def test_the_page_names_the_top_n_in_words(demo: Path) -> None:
    doc = contents.build(MAYENNE, 2024, 5)
    assert "les cinq premiers biens exportés depuis le département" in doc.flows[0].intro
    assert "Sankey" not in doc.flows[0].intro
    assert contents.number_words(10) == "dix"
    assert contents.number_words(23) == "23"


def test_demonstration_warning_and_source_on_every_sheet(
    mayenne: contents.Document,
) -> None:
    page = as_html.render(mayenne)
    sheets = page.split('<section class="page">')[1:]
    assert len(sheets) == 9
    for sheet in sheets:
        assert contents.DEMO_WARNING in html.unescape(sheet)
        assert "Source : DGDDI" in sheet
    # Printed: the margin boxes of every page carry them (CSS strings, escaped).
    assert "@top-center" in page and "@bottom-left" in page
    assert "counter(page)" in page and "counter(pages)" in page
    assert "30 novembre 2026" in mayenne.footer


def test_no_demonstration_warning_on_imported_data(use_dataset) -> None:
    use_dataset(rows([(2024, "E", "53", "C10A", "DE", 5e6), (2024, "I", "53", "C10A", "BE", 2e6)]))
    doc = contents.build(MAYENNE, 2024, 10)
    page = as_html.render(doc)
    assert not doc.demo
    assert contents.DEMO_WARNING not in page
    assert "@top-center" not in page


def test_the_html_requests_nothing(mayenne: contents.Document) -> None:
    page = as_html.render(mayenne)
    without_scripts = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", without_scripts.split("<body>")[0])
    assert "<link" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)  # no CSS import or web font
    assert 'src="' not in without_scripts  # no image, no external script
    assert page.count("<script>") == 2  # plotly.js and the drawing, both inline


def test_plotly_js_is_embedded_and_cannot_close_its_script() -> None:
    source = as_html.plotly_js()
    assert len(source) > 1_000_000 and "Plotly" in source[:5000]
    assert "</script" not in source.lower()


HOSTILE = '</script><script>alert("x")</script><b onmouseover=alert(1)>&amp;'


def test_hostile_names_stay_text(mayenne: contents.Document) -> None:
    figure = go.Figure(go.Bar(x=[HOSTILE], y=[1]), layout={"title": {"text": HOSTILE}})
    doc = dataclasses.replace(
        mayenne,
        partners=contents.Chart("partners", HOSTILE, figure),
        industry=contents.IndustryBox([HOSTILE], HOSTILE, HOSTILE),
    )
    page = as_html.render(doc)
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert _figures(page)["partners"]["data"][0]["x"] == [HOSTILE]  # the JSON round-trips
    assert _read(page).texts.count(HOSTILE) >= 3  # caption, list item, source: as written


def _css_unescape(written: str) -> str:
    """A CSS string's value (CSS Syntax §4.3.7), written independently of the code."""
    assert written[0] == written[-1] == '"'
    return re.sub(r"\\([0-9a-fA-F]{1,6}) ?", lambda m: chr(int(m[1], 16)), written[1:-1])


@pytest.mark.parametrize(
    "text",
    [
        'Côtes-d\'Armor "; } body { display: none } @page { content: "',
        "a\\b\nc",
        "1 773,5 M€ — 6,6 %",
        "",
    ],
)
def test_css_strings_keep_any_text_as_text(text: str) -> None:
    written = as_html.css_string(text)
    assert re.fullmatch(r'"(?:[^\W_]| |\\[0-9a-f]{1,6} )*"', written)
    assert _css_unescape(written) == text


def test_a_partial_year_says_which_quarters(use_dataset) -> None:
    frame = rows([(2025, "E", "53", "C10A", "DE", 5e6), (2025, "I", "53", "C10A", "BE", 2e6)])
    frame["month"] = pd.array([2, 5], dtype="Int8")  # T1 and T2 only
    use_dataset(frame)
    doc = contents.build(MAYENNE, 2025, 10)
    page = html.unescape(as_html.render(doc))
    assert doc.period == "2025 (T1–T2)"
    assert "Mayenne (53) — 2025 (T1–T2)" in page
    assert "Principaux pays à l'import et à l'export, Mayenne (2025, T1–T2)" in page
    assert "L'année 2025 est incomplète" in page

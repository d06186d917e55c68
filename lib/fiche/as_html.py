"""The fiche document (lib/fiche/contents.py) as one self-contained HTML file.

Everything is inside the file: the styles, plotly.js (the copy the plotly package ships), and
each chart's figure as JSON; it opens offline and requests nothing. Each page of the seed is a
`<section class="page">`; on paper a page break precedes each one, and CSS page margin boxes
(`@page { @bottom-left … }`, drawn by Chromium since version 131) repeat the source line, the
page number and, while demonstration data is loaded, its warning on every printed page. On
screen the sections are drawn as A4 sheets, each with the warning at its top.

A phone shows the A4 sheets scaled to its width (`<meta name="viewport" content="width=840">`),
as it would a PDF.

Every text goes through `html.escape` (names come from the reference tables or an imported
label file); a text in a CSS string is written with hexadecimal escapes only; a figure's JSON
has `<`, `>` and `&` escaped, so that no label can close its `<script>`.
"""

from __future__ import annotations

import functools
import html
import re
from importlib import resources

import plotly.io as pio

from lib.fiche import texts
from lib.fiche.contents import DEMO_WARNING, Chart, Document, FlowPages, IndustryBox

PLOTLY_CONFIG = '{"displayModeBar": false, "responsive": false, "scrollZoom": false}'

_STYLE = """
@page {
  size: A4 portrait;
  margin: 17mm 15mm 18mm 15mm;
  @bottom-left { content: %(footer)s; width: 160mm; font: 7pt Arial, sans-serif; color: #555;
                 vertical-align: top; padding-top: 3mm; }
  @bottom-right { content: counter(page) " / " counter(pages); width: 20mm; text-align: right;
                  font: 7pt Arial, sans-serif; color: #555; vertical-align: top;
                  padding-top: 3mm; }
  %(demo_box)s
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e5e5e5; color: #3a3a3a;
       font: 10.5pt/1.45 Marianne, Arial, sans-serif; }
.page { width: 210mm; min-height: 297mm; margin: 10mm auto; padding: 17mm 15mm 18mm;
        background: white; box-shadow: 0 1px 6px rgba(0, 0, 0, .25); }
.demo { margin: 0 0 5mm; padding: 2mm 3mm; border-left: 4px solid #b34000;
        background: #fff4ed; color: #b34000; font-weight: 600; font-size: 9pt; }
.kicker { color: #000091; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
          font-size: 9pt; margin: 0; }
h1 { color: #000091; font-size: 22pt; line-height: 1.2; margin: 4mm 0 2mm; }
.territory { font-size: 15pt; font-weight: 700; margin: 0 0 8mm; }
h2 { color: #000091; font-size: 15pt; margin: 0 0 4mm; padding-bottom: 1.5mm;
     border-bottom: 2px solid #000091; }
h3 { color: #000091; font-size: 12pt; margin: 5mm 0 2mm; }
p, li { margin: 0 0 2.5mm; text-align: justify; }
.columns { display: flex; gap: 8mm; align-items: flex-start; }
.columns > .text { flex: 2; }
.industry { flex: 1; border: 1px solid #cacafb; background: #f5f5fe; padding: 4mm; }
.industry h3 { margin-top: 0; font-size: 10.5pt; }
.industry ul { margin: 0 0 2mm; padding-left: 5mm; }
.note { font-size: 8pt; color: #666; text-align: left; }
.source { margin-top: 6mm; border-top: 1px solid #ddd; padding-top: 2mm; }
.figures { display: flex; gap: 4mm; margin-top: 2mm; }
.figures > div { flex: 1; border-top: 3px solid #000091; background: #f6f6f6; padding: 3mm; }
.figures .label { display: block; font-size: 9pt; }
.figures .value { display: block; font-size: 14pt; font-weight: 700; color: #000091; }
.exposure .lead { margin: 3mm 0 1mm; }
.exposure ul { margin: 0 0 2mm; padding-left: 5mm; }
.exposure li { margin-bottom: 1mm; }
figure { margin: 3mm 0 4mm; break-inside: avoid; }
figcaption { color: #000091; font-weight: 700; font-size: 10.5pt; margin-bottom: 1.5mm; }
.chart { width: 680px; }
.key { font-style: italic; font-size: 9.5pt; }
.totals p { margin: 0 0 1mm; }
.totals p:first-child { font-weight: 700; }
a { color: #000091; }
/* A Sankey's labels carry a wide and a narrow look (lib/charts/fiche_figures.py): the page is
wide. */
.js-plotly-plot tspan[style*="--look:narrow"] { display: none; }
@media print {
  body { background: white; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none;
          break-after: page; }
  .page:last-of-type { break-after: auto; }
  .screen { display: none; }
}
"""

_DRAW = """
(function () {
  var specs = document.querySelectorAll('script[type="application/json"][data-chart]');
  var drawn = [];
  specs.forEach(function (spec) {
    var figure = JSON.parse(spec.textContent);
    var target = document.getElementById(spec.getAttribute("data-chart"));
    drawn.push(Plotly.newPlot(target, figure.data, figure.layout, %(config)s));
  });
  Promise.all(drawn).then(function () {
    document.documentElement.setAttribute("data-charts-drawn", String(drawn.length));
    window.ficheReady = true;
  });
})();
"""


@functools.cache
def plotly_js() -> str:
    """plotly.js as the plotly package ships it, safe inside a `<script>` element."""
    source = resources.files("plotly").joinpath("package_data/plotly.min.js").read_text("utf-8")
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE)


def css_string(text: str) -> str:
    """`text` as a CSS string: every character but letters, digits and spaces escaped (an
    escape ends with one space, which CSS consumes, so that a space after it stays)."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _paragraphs(paragraphs: tuple[str, ...] | list[str]) -> str:
    return "".join(f"<p>{_e(p)}</p>" for p in paragraphs)


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return f"<ul>{''.join(f'<li>{_e(i)}</li>' for i in items)}</ul>" if items else ""


def _section(section: texts.Section, level: str = "h3") -> str:
    return (
        f"<{level}>{_e(section.title)}</{level}>"
        + _paragraphs(section.paragraphs)
        + _bullets(section.bullets)
        + _paragraphs(section.closing)
    )


def _chart(chart: Chart) -> str:
    """A chart's place, and its figure as JSON drawn by _DRAW."""
    spec = pio.to_json(chart.figure, validate=False)
    safe = spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f"<figure><figcaption>{_e(chart.title)}</figcaption>"
        f'<div class="chart" id="{_e(chart.key)}"></div>'
        f'<script type="application/json" data-chart="{_e(chart.key)}">{safe}</script></figure>'
    )


def _page(body: str, doc: Document) -> str:
    """One sheet; on screen it carries the warning and the source line that print draws in the
    page's margins."""
    warning = f'<p class="demo screen">{_e(DEMO_WARNING)}</p>' if doc.demo else ""
    source = f'<p class="note source screen">{_e(doc.footer)}</p>'
    return f'<section class="page">{warning}{body}{source}</section>'


def _industry(box: IndustryBox | None) -> str:
    if box is None:
        return ""
    call = "*" if box.names else ""
    source = f'<p class="note">Source : {_e(box.source)}.</p>' if box.source else ""
    listed = (
        _bullets(box.names) + f'<p class="note">{_e(box.note)}</p>'
        if box.names
        else (f"<p>{_e(box.note)}</p>")
    )
    return f'<aside class="industry"><h3>{_e(texts.TI_TITLE)}{call}</h3>{listed}{source}</aside>'


def _figures(pairs: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<div><span class="label">{_e(label)}</span><span class="value">{_e(value)}</span></div>'
        for label, value in pairs
    )
    return f'<div class="figures">{cells}</div>'


def _key_figures(doc: Document) -> str:
    return f"<h3>Chiffres clés, {_e(doc.period)}</h3>{_figures(doc.key_figures)}"


def _us_exposure(doc: Document) -> str:
    """The Fiche page's « Exposition aux États-Unis »: its figures and products, or the
    sentence saying there is nothing to measure; the Exposition page's address for the rest."""
    block = doc.us_exposure
    body = (
        f"<p>{_e(block.note)}</p>"
        if block.note
        else _figures([(label, value) for label, value, _ in block.figures])
        + f'<p class="lead">{_e(block.products_heading)}</p>{_bullets(block.products)}'
    )
    more = (
        "Détail par produit et par département, scénario de droits de douane : page "
        f"« Exposition » de l'explorateur, {doc.exposure_url}"
    )
    return (
        f'<div class="exposure"><h3>{_e(texts.US_TITLE)}, {_e(doc.period)}</h3>{body}'
        f'<p class="note">{_e(more)}</p></div>'
    )


def _cover(doc: Document) -> str:
    intro = f"<h2>Introduction</h2>{_paragraphs(doc.introduction)}"
    body = f'<div class="columns"><div class="text">{intro}</div>{_industry(doc.industry)}</div>'
    return (
        '<p class="kicker">Commerce extérieur des territoires</p>'
        f"<h1>{_e(texts.PUBLICATION)}</h1>"
        f'<p class="territory">{_e(doc.territory.label)} — {_e(doc.period)}</p>{body}'
        f"{_key_figures(doc)}{_us_exposure(doc)}"
    )


def _context(doc: Document) -> str:
    return "<h2>Contexte et méthodologie</h2>" + _section(doc.context) + _section(doc.methodology)


def _balance(doc: Document) -> str:
    return (
        "<h2>Balance commerciale territoriale</h2>"
        f"<p>{_e(doc.balance_intro)}</p>{_chart(doc.partners)}"
        f'<p class="key">{_e(doc.partners_key)}</p>'
    )


def _products(doc: Document) -> str:
    return f"<p>{_e(doc.products_intro)}</p>{_chart(doc.products)}"


def _flow_main(pages: FlowPages) -> str:
    return (
        f"<h2>{_e(pages.title)}</h2><p>{_e(pages.intro)}</p>{_chart(pages.chart)}"
        f'<div class="totals">{_paragraphs(pages.sentences)}</div><p>{_e(pages.reading)}</p>'
    )


def _flow_comparisons(pages: FlowPages) -> str:
    charts = "".join(
        _chart(c.chart) + f'<div class="totals"><p>{_e(c.total)}</p></div>'
        for c in pages.comparisons
    )
    return f"<p>{_e(pages.comparison_intro)}</p>{charts}"


def _practical(doc: Document) -> str:
    contact = texts.CONTACT
    links = "".join(
        f'<li>{_e(label)} : <a href="{_e(url)}">{_e(url)}</a></li>' for label, url in texts.LINKS
    )
    return (
        _section(doc.practical, "h2")
        + f'<p><a href="mailto:{_e(contact)}">{_e(contact)}</a></p>'
        + f"<p>Pour aller plus loin :</p><ul>{links}</ul>"
    )


def pages(doc: Document) -> list[str]:
    """The bodies of the document's pages, in the seed's order."""
    bodies = [_cover(doc), _context(doc), _balance(doc), _products(doc)]
    for flow_pages in doc.flows:
        bodies.append(_flow_main(flow_pages))
        if flow_pages.comparisons:
            bodies.append(_flow_comparisons(flow_pages))
    return [*bodies, _practical(doc)]


def _style(doc: Document) -> str:
    warning = css_string(DEMO_WARNING)
    demo_box = (
        f"@top-center {{ content: {warning}; font: 700 8pt Arial, sans-serif; color: #b34000; }}"
        if doc.demo
        else ""
    )
    return _STYLE % {"footer": css_string(doc.footer), "demo_box": demo_box}


def render(doc: Document) -> str:
    """The whole HTML document."""
    body = "".join(_page(page, doc) for page in pages(doc))
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{_e(doc.title)}</title>"
        '<meta name="viewport" content="width=840">'
        f"<style>{_style(doc)}</style><script>{plotly_js()}</script></head>"
        f"<body>{body}<script>{_DRAW % {'config': PLOTLY_CONFIG}}</script></body></html>"
    )

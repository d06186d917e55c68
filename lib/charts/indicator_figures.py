"""The fiche's « Situer le territoire » chart: the strongest specialisations (Balassa index).

Horizontal bars, one per product (largest index on top), its index written beside the bar in
French, and a dashed line at 1, where a product weighs as much in the territory's exports as in
France's. Drawn in HTML and CSS (`specialisation_html`, the `cb-` classes of
.streamlit/layout.css, as the partners chart: lib/charts/fiche_figures.partners_html), without
plotly.js: the section opens without waiting for plotly.js's evaluation (issue 18,
docs/PERFORMANCE.md « The specialisations without plotly.js »). Names come from the reference
or the customs' label files: every text is escaped. Two looks, as the partners' chart: the wide
one names the products beside their bars, wrapped; the narrow one (a phone) writes each name on
one line above its bar, shortened (whole in the row's tooltip), so that the bars keep the width.
"""

from __future__ import annotations

import textwrap
from html import escape

import pandas as pd

from lib.charts.kit import HtmlChart, css_percent, empty_html, html_axis, round_ticks
from lib.core import refs
from lib.core.flows import EXPORT
from lib.core.formatting import number, share

REFERENCE_NOTE = "1 = poids identique en France"
AXIS_TITLE = "indice de spécialisation (Balassa)"
WIDE_WRAP = 34  # characters per line of a product name beside its bar
NARROW_NAME_LIMIT = 56  # characters of a name above its bar (one line of a phone's width)
AXIS_PADDING = 1.18  # the axis runs to the largest index (at least 1) times this: room for texts
TICKS = 5  # about this many steps between 0 and the axis's end
ROW_PX = {"wide": 46, "narrow": 44}  # a bar's row: a name on three lines, or above the bar


def _product_lines(code: str, width: int) -> list[str]:
    """The product's name on lines of at most `width` characters."""
    return textwrap.wrap(refs.product_name(code), width) or [code]


def short_name(code: str) -> str:
    """The product's name on one line, cut after a whole word when too long."""
    return textwrap.shorten(refs.product_name(code), NARROW_NAME_LIMIT, placeholder=" …")


def rca_text(rca: float) -> str:
    """An index as read beside its bar: « 44,6 », « 1,0 »."""
    return number(rca, 1)


def _axis_end(values: list[float]) -> float:
    """The axis's end: the largest index, or 1 when every index is below (the line at 1 stays
    in view), with room for the texts beside the bars."""
    return max(*values, 1.0) * AXIS_PADDING


def _place(value: float, end: float) -> str:
    """`value`'s place on the axis, as a CSS percentage of the plot's width."""
    return css_percent(100 * value / end)


def _axis(end: float, rows: int) -> str:
    """The grid lines and the dashed line at 1 behind the rows, the note above the line, the
    ticks below and the axis title."""
    values, texts = round_ticks(0.0, end, TICKS)
    ticks = [(v, _place(v, end), t) for v, t in zip(values, texts, strict=True)]
    one = _place(1.0, end)
    # The note reads from the line rightwards, or leftwards when the line is past the middle.
    side = "cb-note-left" if 1.0 / end > 0.5 else "cb-note-right"
    note = f'<span style="left:{one}">{escape(REFERENCE_NOTE)}</span>'
    reference = f'<span class="cb-line cb-ref" style="left:{one}"></span>'
    return f'<div class="cb-note {side}">{note}</div>' + html_axis(
        ticks, rows, AXIS_TITLE, reference
    )


def _tooltip(code: str, rca: float, own_pct: float, france_pct: float) -> str:
    """The row's tooltip: what the Plotly chart's hover said."""
    return (
        f"{refs.product_name(code)}\nIndice : {rca_text(rca)}\n"
        f"Part dans les exportations du territoire : {share(own_pct)}\n"
        f"Part dans les exportations de la France : {share(france_pct)}"
    )


def _name(code: str, narrow: bool) -> str:
    """The product's name: one shortened line (narrow), or its lines beside the bar (wide)."""
    if narrow:
        return escape(short_name(code))
    return "<br>".join(escape(line) for line in _product_lines(code, WIDE_WRAP))


def _row(
    line: int, code: str, figures: tuple[float, float, float], end: float, narrow: bool
) -> str:
    """A product's name, its bar and its index, on grid row `line`; its figures in the row's
    tooltip."""
    rca, own_pct, france_pct = figures
    return (
        f'<div class="cb-row" style="--cb-line:{line}" '
        f'title="{escape(_tooltip(code, rca, own_pct, france_pct))}">'
        f'<span class="cb-name"><span>{_name(code, narrow)}</span></span>'
        '<span class="cb-plot"><span class="cb-half">'
        f'<span class="cb-bar" style="width:{_place(rca, end)};background:{EXPORT.color}">'
        f'</span><span class="cb-value">{escape(rca_text(rca))}</span></span></span></div>'
    )


def specialisation_html(top: pd.DataFrame, narrow: bool = False) -> HtmlChart:
    """Bars of the Balassa index of `top` (indicators.strongest: product, share_pct,
    france_share_pct, rca), in its order from the top down."""
    if top.empty:
        return empty_html()
    codes = [str(code) for code in top["product"]]
    values = [float(v) for v in top["rca"]]
    end = _axis_end(values)
    figures = zip(values, top["share_pct"], top["france_share_pct"], strict=True)
    rows = [
        _row(line + 2, code, (rca, float(own), float(france)), end, narrow)
        for line, (code, (rca, own, france)) in enumerate(zip(codes, figures, strict=True))
    ]
    look = "narrow" if narrow else "wide"
    signature = "|".join(f"{code}:{value:.15g}" for code, value in zip(codes, values, strict=True))
    return HtmlChart(
        f'<figure class="comext-chart cb-spec cb-{look}" data-bars="{len(codes)}" '
        f'data-signature="{escape(signature)}" style="--cb-row:{ROW_PX[look]}px;--cb-text:12px">'
        '<div class="cb-body">' + _axis(end, len(codes)) + "".join(rows) + "</div></figure>"
    )

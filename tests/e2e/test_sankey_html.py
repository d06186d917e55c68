"""The fiche's Sankeys drawn in HTML (lib/charts/fiche_figures.sankey_html), as the pointer finds
them in Chromium: each link is a box of the whole band between the nodes, clipped to its curve;
what the pointer is over must be the link drawn there (its tooltip the link's), and nothing
where no link is drawn.

The points are taken from the chart as the browser draws it (each link's polygon, its computed
style: the stylesheet's curve for the link's own numbers), at
2 % of the band's width from the sources: there the links of one source are still stacked one
under the other and those of other sources beside their own node, so that the link drawn at
the middle of a link's thickness is that link alone."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import wait_for_app

FICHE = "/fiche?niveau=departement&code=53&annee=2024&top=10&flux=export&section=flux-export"
# Waits, frame by frame (at most 300), until a Sankey's content is no longer skipped by
# content-visibility: auto; true once it is laid out.
UNTIL_LAID_OUT_JS = """async (chart) => {
  const plot = chart.querySelector('.cb-sk-plot');
  for (let frame = 0; frame < 300; frame++) {
    if (plot.checkVisibility({contentVisibilityAuto: true})) return true;
    await new Promise(r => requestAnimationFrame(r));
  }
  return false;
}"""
# For each link of the first Sankey thick enough to be pointed at (6 px): the point in the
# middle of its thickness at 2 % of the band; the title of the element the pointer finds
# there (null: not a link), and the link's own.
POINTED_JS = """async () => {
  const chart = document.querySelector('.cb-sankey');
  // Just scrolled to: laid out within a few frames (content-visibility: auto), as a pointer
  // finds it.
  await (UNTIL_LAID_OUT)(chart);
  const band = chart.querySelector('.cb-sk-links').getBoundingClientRect();
  const found = [];
  for (const link of chart.querySelectorAll('.cb-sk-link')) {
    const points = getComputedStyle(link).clipPath.replace(/^polygon\\(|\\)$/g, '').split(',')
      .map(p => p.trim().split(/\\s+/).map(parseFloat));
    const last = points.length - 1;
    // The polygon is straight between its points: its edges at `at` % of the band's width,
    // between its first two points (0 and 10 %) on top and its last two below.
    const at = 2, share = at / points[1][0];
    const edge = (a, b) => a[1] + (b[1] - a[1]) * share;
    const top = edge(points[0], points[1]), bottom = edge(points[last], points[last - 1]);
    if ((bottom - top) / 100 * band.height < MIN_PX) continue;
    const x = band.left + at / 100 * band.width;
    const y = band.top + (top + bottom) / 200 * band.height;
    const hit = document.elementFromPoint(x, y);
    found.push({own: link.title,
                hit: hit && hit.classList.contains('cb-sk-link') ? hit.title : null});
  }
  return found;
}""".replace("MIN_PX", "6").replace("UNTIL_LAID_OUT", UNTIL_LAID_OUT_JS)
# Just under the band, in its middle: the element there (no link).
EMPTY_JS = """() => {
  const chart = document.querySelector('.cb-sankey');
  const band = chart.querySelector('.cb-sk-links').getBoundingClientRect();
  const hit = document.elementFromPoint(band.left + band.width / 2, band.bottom + 3);
  return hit ? hit.className : null;
}"""


def test_the_pointer_finds_the_link_drawn_under_it(page, app_url: str) -> None:
    page.goto(app_url + FICHE)
    wait_for_app(page)
    page.wait_for_selector(".cb-sankey .cb-sk-link")
    sankey = page.locator(".cb-sankey").first
    sankey.scroll_into_view_if_needed()
    found = page.evaluate(POINTED_JS)
    assert len(found) >= 10  # Mayenne's top-10 export links, most of them thick enough
    assert [f["hit"] for f in found] == [f["own"] for f in found]
    assert all(" → " in f["own"] and "M€" in f["own"] for f in found)
    assert "cb-sk-link" not in (page.evaluate(EMPTY_JS) or "")
    # The link under the pointer darkens (CSS :hover), the others do not.
    box = sankey.locator(".cb-sk-links").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 0.05 * box["width"], box["y"] + 1)
    hovered = page.evaluate(
        "() => [...document.querySelectorAll('.cb-sankey .cb-sk-link')]"
        ".filter(l => l.matches(':hover')).map(l => l.title)"
    )
    assert hovered == [found[0]["own"]]  # the top link of the top node, thick enough
    screenshot(page, "fiche-sankey-html-survol")


# Each Sankey's height as drawn, once scrolled to, against the height the page reserved for it
# while it was off the screen and not laid out (its figure's `contain-intrinsic-block-size`).
HEIGHTS_JS = """async () => {
  const found = [];
  for (const chart of document.querySelectorAll('.cb-sankey')) {
    const reserved = parseFloat(chart.style.containIntrinsicBlockSize);
    const skipped = !chart.querySelector('.cb-sk-plot')
      .checkVisibility({contentVisibilityAuto: true});
    chart.scrollIntoView();
    const laidOut = await (UNTIL_LAID_OUT)(chart);
    found.push({reserved: reserved, drawn: chart.getBoundingClientRect().height,
                style: getComputedStyle(chart).contentVisibility, laidOut: laidOut,
                skippedBefore: skipped});
  }
  return found;
}""".replace("UNTIL_LAID_OUT", UNTIL_LAID_OUT_JS)


def test_a_sankey_off_the_screen_keeps_its_place(page, app_url: str) -> None:
    """The Sankeys are laid out only near the screen (content-visibility: auto); the place the
    page keeps for one meanwhile is the height it has once drawn, so nothing moves when the
    reader scrolls to it."""
    page.goto(app_url + FICHE)
    wait_for_app(page)
    page.wait_for_selector(".cb-sankey .cb-sk-link")
    found = page.evaluate(HEIGHTS_JS)
    assert len(found) == 3  # the territory's, the région's and France's
    assert found[-1]["skippedBefore"]  # France's, below the screen: not laid out until reached
    for sankey in found:
        assert sankey["style"] == "auto" and sankey["laidOut"], sankey
        assert abs(sankey["drawn"] - sankey["reserved"]) < 1, sankey

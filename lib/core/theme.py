"""The project's look: DSFR-like colours, the font, and the colour arithmetic of the ramps.

Charts (lib.charts.fiche_figures), the map (lib.charts.choropleth) and the flows' colours
(lib.core.flows) read them here,
so that a colour changed once changes everywhere; this module imports nothing of the project.
"""

from __future__ import annotations

BLUE_FRANCE = "#000091"
TEXT_GREY = "#3A3A3A"
GRID_GREY = "#E5E5E5"
IMPORT_BLUE = "#6A6AF4"
EXPORT_VIOLET = "#A558A0"
NEGATIVE_RED = "#CE0500"
POSITIVE_GREEN = "#18753C"
COUNTRY_GREY_BLUE = "#7F8FAE"
OTHERS_GREY = "#A6A6A6"
HIGHLIGHT_LINK = "rgba(206, 5, 0, 0.55)"
PLAIN_LINK = "rgba(150, 150, 160, 0.30)"
FONT_FAMILY = "Marianne, Arial, sans-serif"

# Ramps run from light to dark; the diverging ones from the centre outwards.
VIOLET_RAMP = ("#E8CFE5", "#5E2A5A")
BLUE_RAMP = ("#D6D6FA", BLUE_FRANCE)
RED_RAMP = ("#FBD3CE", "#A30400")
GREEN_RAMP = ("#D3EDD7", "#0E4A25")


def mix(color: str, other: str, weight: float) -> str:
    """`color` moved towards `other` by `weight` (0 → color, 1 → other), as #rrggbb."""
    a = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * weight):02x}" for x, y in zip(a, b, strict=True))

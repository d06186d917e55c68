"""Write static/geo/departements_shapes.js: the départements' shapes of the folium maps.

The maps (lib/charts/choropleth.py: the Carte, Produit, Pays, Exposition) carry each
département's code, tooltip and style, not its shape: the browser loads this script once after
Leaflet, keeps it in its cache, and Leaflet's GeoJSON layers put each shape back by its feature
id. The shapes are geo/departements.geojson's, and the DROM's copies in the maps' insets
(choropleth.shapes); the text is choropleth.shapes_script(), which tests/test_mapping.py checks
against the committed file. Run it after geo/build_geo.py, or after changing the insets:

    python geo/build_shapes.py [--static-dir static]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.charts import choropleth  # noqa: E402  (the repository on the path first)
from lib.core import config  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--static-dir", type=Path, default=config.STATIC_DIR)
    args = parser.parse_args(argv)
    out = args.static_dir / config.DEPARTEMENT_SHAPES
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(choropleth.shapes_script(), encoding="utf-8")
    print(f"{out}: {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

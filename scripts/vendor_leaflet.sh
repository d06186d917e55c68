#!/usr/bin/env bash
# Vendors Leaflet (BSD-2-Clause) into static/leaflet/ from the npm registry package, so that the
# map works offline: Streamlit serves static/ at /app/static/ (server.enableStaticServing) and
# lib/charts/choropleth.py points folium at these copies instead of a CDN.
set -euo pipefail
VERSION="${1:-1.9.4}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@${VERSION}" >/dev/null 2>&1 && tar xzf "leaflet-${VERSION}.tgz")
dest="$here/static/leaflet"
rm -rf "$dest" && mkdir -p "$dest/images"
cp "$work/package/dist/leaflet.js" "$work/package/dist/leaflet.css" "$work/package/LICENSE" "$dest/"
cp "$work/package/dist/images/"*.png "$dest/images/"
echo "leaflet@${VERSION}" > "$dest/VERSION"
echo "Leaflet ${VERSION} copié dans $dest"

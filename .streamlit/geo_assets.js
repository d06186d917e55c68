// The world map's base map, handed to plotly.js before it asks the server for it. plotly.js
// fetches a base-map TopoJSON (config.topojsonURL) for every geo chart whose trace has a
// location mode, even a choropleth drawing only its own GeoJSON with no base layer (the world
// map, lib/charts/world.py): a round trip to the server, answered with the empty topology of
// static/plotly/world_110m.json, before the map can be drawn. plotly.js keeps what it fetched
// in window.PlotlyGeoAssets and creates that object only when it is missing: given the same
// empty topology here, it draws the map at once. The file stays, for a page without this
// script.
(function () {
  var assets = window.PlotlyGeoAssets || (window.PlotlyGeoAssets = {});
  assets.topojson = assets.topojson || {};
  if (!assets.topojson.world_110m) {
    assets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
  }
})();

// plotly.js made ready while the visitor reads a first screen drawn without it: the fiche's,
// whose partners chart is HTML (lib/charts/fiche_figures.partners_html). The first section
// opened, or any chart drawn later, then finds plotly.js evaluated instead of downloading it
// (1.4 MB compressed) and evaluating it (4.7 MB, 0.7 s of the main thread here) after the
// click. Asked for once, when a page with sections on demand (st-key-fiche-section-…) has
// finished its run and the browser is idle; on a page whose first screen has Plotly charts,
// Streamlit has already loaded it and this costs nothing. The chunk is the very file
// Streamlit's code imports for its Plotly element (its hashed name written in by
// lib/web/pagescript.py, resolved like Streamlit's own: beside its main script), so the
// browser fetches and evaluates it once. Sent in the page's head by serve.py only (with
// `streamlit run streamlit_app.py`, plotly.js is loaded when a chart first needs it).
//
// The world map's shapes too, on a page with a world map in a section on demand (the fiche's
// « Les pays partenaires dans le monde », the Diversifier's « Carte du monde des marchés à
// explorer »: WORLD_SECTIONS, the sections' keys of pages/parts/on_demand.py). Its figure names
// them by their address (lib/charts/world.py; written in by lib/web/pagescript.py): plotly.js
// looks for a trace's GeoJSON address in window.PlotlyGeoAssets before fetching it, and keeps
// there what it fetched. Fetched here, the map is drawn at the click without waiting for
// them. Not marked "pending" while they come: plotly.js would then wait for them at most 5 s
// and fail the map on a slow network; if it asks first, it fetches them itself, and this keeps
// whichever copy arrives.
(function () {
  var chunk = COMEXT_PLOTLY_CHUNK;
  var shapes = COMEXT_WORLD_GEOJSON;
  var WORLD_SECTIONS = ".st-key-fiche-section-monde, .st-key-diversifier-section-carte";
  if (window.__comextPlotlyPrefetch) return;
  window.__comextPlotlyPrefetch = true;
  var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 200); };

  function keepShapes(url) {
    var assets = window.PlotlyGeoAssets || (window.PlotlyGeoAssets = {});
    if (!url || assets[url]) return;
    fetch(url)
      .then(function (answer) {
        if (!answer.ok) throw new Error(answer.status);
        return answer.json();
      })
      .then(function (collection) {
        if (!assets[url] || assets[url] === "pending") assets[url] = collection;
      })
      .catch(function () {});
  }

  var timer = setInterval(function () {
    var app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== "notRunning") return;
    var fiche = document.querySelector('[class*="st-key-fiche-section-"]');
    var world = document.querySelector(WORLD_SECTIONS);
    if (!fiche && !world) return;
    var main = document.querySelector('script[type="module"][src*="/static/js/index."]');
    clearInterval(timer);
    idle(function () {
      if (fiche && chunk && main) import(new URL(chunk, main.src).href).catch(function () {});
      if (world) keepShapes(shapes);
    }, { timeout: 2000 });
  }, 250);
})();

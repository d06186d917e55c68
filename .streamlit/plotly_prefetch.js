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
(function () {
  var chunk = COMEXT_PLOTLY_CHUNK;
  if (!chunk || window.__comextPlotlyPrefetch) return;
  window.__comextPlotlyPrefetch = true;
  var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 200); };
  var timer = setInterval(function () {
    var app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== "notRunning") return;
    if (!document.querySelector('[class*="st-key-fiche-section-"]')) return;
    var main = document.querySelector('script[type="module"][src*="/static/js/index."]');
    clearInterval(timer);
    if (!main) return;
    idle(function () {
      import(new URL(chunk, main.src).href).catch(function () {});
    }, { timeout: 2000 });
  }, 250);
})();

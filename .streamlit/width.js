// The reader's window width, for the server (lib/charts/kit.look_for_window): in a cookie
// written before Streamlit's code opens its connection, whose handshake carries it (serve.py
// puts this script first in the page's head, lib/web/pagescript.py). A chart as wide as the page
// is then sent in the one look that fits its width, wide or narrow, instead of both (the CSS of
// .streamlit/layout.css choosing, and the browser drawing both): the fiche's first screen draws
// one partners chart, not two. Written again on a resize, for the next connection.
(function () {
  if (window.comextWidth) return; // the script runs again when its element is redrawn
  window.comextWidth = true;
  function write() {
    var width = Math.round(document.documentElement.clientWidth || window.innerWidth || 0);
    document.cookie = "comext-largeur=" + width + "; path=/; SameSite=Strict";
  }
  write();
  window.addEventListener("resize", write);
})();

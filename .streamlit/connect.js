// Where Streamlit's server is, for a page's own address (/fiche?…): the page's first connection
// goes there at once. Streamlit's frontend cannot tell « the page /fiche of an app at / » from
// « the home page of an app at /fiche », so it asks /fiche/_stcore/health first, and after that
// 404 and a 100 ms retry timer, /_stcore/health (lib/web/pagescript.py). Every shared link but
// the Carte's paid it before its first byte of content. The path's last segment is one of the
// app's pages (the list below, written in by lib/web/pagescript.py): the server is at the path
// without it, Streamlit's second guess; any other address keeps Streamlit's own two guesses.
(function () {
  if (window.__streamlit) return; // a host's setting, read once by Streamlit's code: kept
  var pages = COMEXT_PAGES;
  var parts = window.location.pathname.replace(/\/+$/, "").split("/");
  var page = parts.pop() || "";
  if (pages.indexOf(page) < 0) return; // the app's pages are plain words: no decoding
  window.__streamlit = { BACKEND_BASE_URL: window.location.origin + parts.join("/") + "/" };
})();

// The page menu closes once a page is chosen, on a narrow screen (injected by
// pages/parts/components.layout_css).
//
// Below Streamlit's `md` breakpoint (768 px) the navigation is a side panel drawn over the
// page. Streamlit 1.67 closes it after a choice only when the browser's user agent says
// "mobile" (a narrowed desktop window, a tablet or a phone asking for the desktop site keep it
// open over the page just chosen). Here: a choice in the menu, on a narrow screen, with the
// panel still open once Streamlit has handled the click, presses the panel's own close button.
(function () {
  if (window.comextMenuCloses) return; // the script runs again when its element is redrawn
  window.comextMenuCloses = true;
  var NARROW = window.matchMedia("(max-width: 767.98px)");
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!NARROW.matches || !target.closest || !target.closest('[data-testid="stSidebarNavLink"]')) {
      return;
    }
    setTimeout(function () {
      var sidebar = document.querySelector('[data-testid="stSidebar"]');
      var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (sidebar && sidebar.getAttribute("data-collapsed") === "false" && close) close.click();
    }, 0);
  });
})();

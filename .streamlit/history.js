// Back and Forward as everywhere on the web (injected by pages/parts/components.layout_css).
//
// Streamlit 1.67's frontend adds a browser history entry (history.pushState) whenever the
// server writes the query string (st.query_params), unless the run was started by Back or
// Forward, and another one whenever a run shows a page other than the address's. So:
// - a page opened from the menu made two entries, `/exposition`, then the address its page
//   writes (`/exposition?niveau=…`): one Back showed the same page again;
// - st.switch_page writes the new page's parameters while the address is still the old
//   page's, then moves to the new page: `/?niveau=…&top=…` sat between the Carte and the
//   fiche, and Back showed the Carte with the fiche's parameters (« Paramètres inconnus
//   ignorés ») and its own defaults; the page then rewrote that entry, and Forward led there.
// Here pushState is wrapped. A change of the query string alone is a new entry only when the
// visitor has acted since the last entry (a click, a key, the focus moving into a frame such
// as the map's); otherwise it is the app completing or correcting the address it shows, and
// it replaces the entry. A page change that follows a query change made since the visitor's
// last act (st.switch_page's) takes that change's place: the entry the change pushed becomes
// the new page's, or the entry it rewrote gets its address back and the new page is pushed.
//
// Scroll: the page scrolls inside Streamlit's main element, which the browser does not
// restore. Each entry's position is kept (sessionStorage, by an id in the entry's state) when
// the visitor acts or leaves it by Back or Forward, and given back after Back or Forward once
// the page has been drawn again, tall enough (unless the visitor scrolls or acts first).
(function () {
  if (window.comextHistory) return; // the script runs again when its element is redrawn
  window.comextHistory = true;
  var history = window.history;
  var push = history.pushState.bind(history);
  var replace = history.replaceState.bind(history);
  var SCROLLS = "comext-scroll";
  var KEPT = 100; // entries whose scroll position is kept
  var acted = false; // the visitor acted since the last entry was made
  var queryChange = null; // the first query-only change since then: {pushed, href, state}
  var restoring = null; // the timer of a scroll position being given back

  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function idOf(state) {
    return state && state.comextEntry ? state.comextEntry : null;
  }
  function withId(state, id) {
    var tagged = Object.assign({}, state || {});
    tagged.comextEntry = id;
    return tagged;
  }
  var shown = idOf(history.state); // the entry whose page is on screen
  if (!shown) {
    shown = newId();
    replace(withId(history.state, shown), "");
  }

  function main() {
    return document.querySelector('[data-testid="stMain"]');
  }
  function positions() {
    try {
      return JSON.parse(sessionStorage.getItem(SCROLLS) || "[]");
    } catch (error) {
      return [];
    }
  }
  function keepScroll(id) {
    var element = main();
    if (!id || !element) return;
    var kept = positions().filter(function (pair) {
      return pair[0] !== id;
    });
    kept.push([id, element.scrollTop]);
    try {
      sessionStorage.setItem(SCROLLS, JSON.stringify(kept.slice(-KEPT)));
    } catch (error) {
      // storage full or refused: scroll positions are a comfort, nothing else depends on them
    }
  }
  function scrollOf(id) {
    var pair = positions().find(function (pair) {
      return pair[0] === id;
    });
    return pair ? pair[1] : 0;
  }

  function stopRestoring() {
    if (restoring !== null) clearInterval(restoring);
    restoring = null;
  }
  // The position `top` given back once the run started by Back or Forward has drawn the page:
  // the page left is gone (its last element; the timer may first tick after the run), the
  // script has stopped, and the page's height has not changed for 0.3 s.
  function restore(top) {
    stopRestoring();
    if (!top) return;
    var deadline = Date.now() + 20000;
    var elements = document.querySelectorAll(
      '[data-testid="stMain"] [data-testid="stElementContainer"]'
    );
    var left = elements.length ? elements[elements.length - 1] : null;
    var height = -1;
    var steady = 0;
    restoring = setInterval(function () {
      var app = document.querySelector('[data-testid="stApp"]');
      var element = main();
      if (!app || !element) return;
      var running = app.getAttribute("data-test-script-state") !== "notRunning";
      if (running || (left && left.isConnected)) {
        steady = 0;
        return;
      }
      steady = element.scrollHeight === height ? steady + 1 : 0;
      height = element.scrollHeight;
      var tall = element.scrollHeight - element.clientHeight >= top;
      if ((steady >= 3 && tall) || Date.now() > deadline) {
        stopRestoring();
        element.scrollTop = top;
      }
    }, 100);
  }

  function act() {
    acted = true;
    queryChange = null;
    stopRestoring();
    keepScroll(shown);
  }
  window.addEventListener("pointerdown", act, true);
  window.addEventListener("wheel", stopRestoring, { capture: true, passive: true });
  window.addEventListener("touchmove", stopRestoring, { capture: true, passive: true });
  window.addEventListener(
    "keydown",
    function (event) {
      if (["Tab", "Shift", "Control", "Alt", "Meta"].indexOf(event.key) < 0) act();
    },
    true
  );
  // A click in a frame (the map of streamlit_folium) reaches no listener here: the focus
  // moving into the frame says it.
  window.addEventListener("blur", function () {
    setTimeout(function () {
      var focused = document.activeElement;
      if (focused && focused.tagName === "IFRAME") act();
    }, 0);
  });

  window.addEventListener("popstate", function (event) {
    keepScroll(shown); // the page left is still on screen: Streamlit redraws it later
    acted = false;
    queryChange = null;
    shown = idOf(event.state);
    if (!shown) {
      shown = newId();
      replace(withId(history.state, shown), "");
    }
    restore(scrollOf(shown));
  });

  history.replaceState = function (state, title, url) {
    replace(withId(state, shown), title, url);
  };

  history.pushState = function (state, title, url) {
    var target = new URL(url, window.location.href);
    if (target.pathname === window.location.pathname) {
      if (acted) {
        shown = newId();
        push(withId(state, shown), title, url);
        queryChange = { pushed: true };
      } else {
        if (!queryChange) {
          queryChange = { pushed: false, href: window.location.href, state: history.state };
        }
        replace(withId(state, shown), title, url);
      }
    } else if (queryChange && queryChange.pushed) {
      replace(withId(state, shown), title, url);
      queryChange = null;
    } else {
      if (queryChange) replace(queryChange.state, "", queryChange.href);
      shown = newId();
      push(withId(state, shown), title, url);
      queryChange = null;
    }
    acted = false;
  };
})();

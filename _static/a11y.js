/* Accessibility fixes that need the page's script (added to every page by _ext/book_fixes.py).
 *
 * 1. Scrollable code and output blocks must be reachable with the keyboard (axe:
 *    "scrollable-region-focusable"). pydata-sphinx-theme gives them tabindex=0 when the
 *    page loads, but a block inside a closed solution dropdown has no size then, and
 *    opening the dropdown does not update it. A ResizeObserver re-checks each block
 *    whenever its size changes, opening included.
 * 2. The theme's search buttons say "Search" to assistive technology but show
 *    "Search Ctrl+K" (axe: "label-content-name-mismatch"); without the aria-label their
 *    name is what they show. The colour-mode button's icons carry titles ("Light",
 *    "Dark", ...) that contradict its name "Color mode"; they are marked decorative.
 */
(function () {
  "use strict";
  var SCROLLABLE = "pre, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container";

  function updateTabStop(el) {
    var scrolls = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight;
    el.tabIndex = scrolls ? 0 : -1;
  }

  function fix() {
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { updateTabStop(entry.target); });
      });
      document.querySelectorAll(SCROLLABLE).forEach(function (el) { observer.observe(el); });
    }
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    document.querySelectorAll(".theme-switch-button i[title]").forEach(function (icon) {
      icon.removeAttribute("title");
      icon.setAttribute("aria-hidden", "true");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
})();

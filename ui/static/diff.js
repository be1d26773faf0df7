// Accord UI, diff.js v1: switch a diff between side-by-side and inline
// without reloading. Without JavaScript the same links reload the page
// with ?view=side or ?view=inline.
(function () {
  "use strict";
  var box = document.querySelector("[data-diff]");
  if (!box) { return; }
  var links = document.querySelectorAll("a[data-view]");
  function show(view) {
    box.querySelectorAll("[data-view-name]").forEach(function (el) {
      el.hidden = el.getAttribute("data-view-name") !== view;
    });
    links.forEach(function (a) {
      if (a.getAttribute("data-view") === view) { a.setAttribute("aria-current", "true"); }
      else { a.removeAttribute("aria-current"); }
    });
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var view = a.getAttribute("data-view");
      show(view);
      var url = new URL(window.location.href);
      url.searchParams.set("view", view);
      window.history.replaceState(null, "", url.toString());
    });
  });
})();

// Accord UI, ui.js v1: small enhancements shared by every page.
// Pages work without it; it only moves focus to the main heading after
// a skip-link jump so screen readers start at the content.
(function () {
  "use strict";
  var skip = document.querySelector(".skip");
  if (skip) {
    skip.addEventListener("click", function () {
      var main = document.getElementById("main");
      if (main) { main.focus(); }
    });
  }
})();

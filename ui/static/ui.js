// Accord UI, ui.js v2: small enhancements shared by every page.
// Pages work without it. It moves focus to the main heading after a
// skip-link jump so screen readers start at the content, and to the
// element a page marks with data-focus (a decision's confirmation, a
// refused form's field) so the next key press starts there.
(function () {
  "use strict";
  var skip = document.querySelector(".skip");
  if (skip) {
    skip.addEventListener("click", function () {
      var main = document.getElementById("main");
      if (main) { main.focus(); }
    });
  }
  var first = document.querySelector("[data-focus]");
  if (first) { first.focus(); }
})();

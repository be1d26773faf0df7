// Accord UI, diff.js v2: switch a diff between side-by-side and inline
// without reloading, and move between its changes (the "Previous change"
// and "Next change" buttons, or the keys p and n). Without JavaScript the
// view links reload the page with ?view=side or ?view=inline and the list
// of changes links to each.
(function () {
  "use strict";
  var box = document.querySelector("[data-diff]");
  if (!box) { return; }
  var links = document.querySelectorAll("a[data-view]");
  var view = box.getAttribute("data-initial") || "side";
  function show(v) {
    view = v;
    box.querySelectorAll("[data-view-name]").forEach(function (el) {
      el.hidden = el.getAttribute("data-view-name") !== v;
    });
    links.forEach(function (a) {
      if (a.getAttribute("data-view") === v) { a.setAttribute("aria-current", "true"); }
      else { a.removeAttribute("aria-current"); }
    });
    document.querySelectorAll("a[data-anchor]").forEach(function (a) {
      a.setAttribute("href", "#" + (v === "inline" ? "inline-" : "") + a.getAttribute("data-anchor"));
    });
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var v = a.getAttribute("data-view");
      show(v);
      var url = new URL(window.location.href);
      url.searchParams.set("view", v);
      window.history.replaceState(null, "", url.toString());
    });
  });

  // Change navigation.
  var nav = document.querySelector("[data-change-nav]");
  var where = nav && nav.querySelector("[data-where]");
  var current = -1;
  function changes() {
    var wrap = box.querySelector('[data-view-name="' + view + '"]');
    return wrap ? Array.prototype.slice.call(wrap.querySelectorAll("[data-change]")) : [];
  }
  function go(step) {
    var cs = changes();
    if (!cs.length) { return; }
    current = Math.max(0, Math.min(cs.length - 1, current + step));
    var row = cs[current];
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
    if (where) { where.textContent = "Change " + (current + 1) + " of " + cs.length; }
  }
  if (nav) {
    nav.hidden = false;
    nav.querySelector("[data-prev]").addEventListener("click", function () { go(-1); });
    nav.querySelector("[data-next]").addEventListener("click", function () { go(1); });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) { return; }
    if (ev.key === "n" || ev.key === "j") { ev.preventDefault(); go(1); }
    else if (ev.key === "p" || ev.key === "k") { ev.preventDefault(); go(-1); }
  });
})();

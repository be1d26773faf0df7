// Accord UI, graph.js v1: the lineage graph's interactions. Hovering or
// focusing a node highlights it, its neighbours and the edges between
// them; arrow keys move focus (left/right: to a neighbour upstream or
// downstream, up/down: within the same layer). Links work without it.
(function () {
  "use strict";
  var svg = document.querySelector("svg.graph");
  if (!svg) { return; }
  var nodes = Array.prototype.slice.call(svg.querySelectorAll("a.node"));
  var edges = Array.prototype.slice.call(svg.querySelectorAll("path.edge"));
  var byId = {};
  nodes.forEach(function (n) { byId[n.getAttribute("data-node")] = n; });
  function neighbours(id) {
    var out = [];
    edges.forEach(function (e) {
      var f = e.getAttribute("data-from"), t = e.getAttribute("data-to");
      if (f === id) { out.push({ node: byId[t], edge: e, dir: 1 }); }
      if (t === id) { out.push({ node: byId[f], edge: e, dir: -1 }); }
    });
    return out;
  }
  function clear() {
    svg.classList.remove("hl");
    svg.querySelectorAll(".near").forEach(function (el) { el.classList.remove("near"); });
  }
  function highlight(n) {
    clear();
    svg.classList.add("hl");
    n.classList.add("near");
    neighbours(n.getAttribute("data-node")).forEach(function (x) {
      if (x.node) { x.node.classList.add("near"); }
      x.edge.classList.add("near");
    });
  }
  function layer(n) { return parseInt(n.getAttribute("data-layer"), 10); }
  function y(n) { return parseFloat(n.querySelector("rect").getAttribute("y")); }
  nodes.forEach(function (n) {
    n.addEventListener("mouseenter", function () { highlight(n); });
    n.addEventListener("mouseleave", clear);
    n.addEventListener("focus", function () { highlight(n); });
    n.addEventListener("blur", clear);
    n.addEventListener("keydown", function (ev) {
      var target = null, l = layer(n);
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        var dir = ev.key === "ArrowRight" ? 1 : -1;
        var cands = neighbours(n.getAttribute("data-node")).filter(function (x) { return x.node && layer(x.node) * dir > l * dir; });
        if (!cands.length) {
          cands = nodes.filter(function (m) { return layer(m) === l + dir; }).map(function (m) { return { node: m }; });
        }
        cands.sort(function (a, b) { return Math.abs(y(a.node) - y(n)) - Math.abs(y(b.node) - y(n)); });
        if (cands.length) { target = cands[0].node; }
      } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        var same = nodes.filter(function (m) { return layer(m) === l; }).sort(function (a, b) { return y(a) - y(b); });
        var i = same.indexOf(n) + (ev.key === "ArrowDown" ? 1 : -1);
        if (i >= 0 && i < same.length) { target = same[i]; }
      }
      if (target) { ev.preventDefault(); target.focus(); }
    });
  });
})();

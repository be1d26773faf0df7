// Accord UI, graph.js v2: the lineage graph's interactions. Hovering or
// focusing a node highlights it, its neighbours and the edges between
// them; arrow keys move focus (left/right: to a neighbour upstream or
// downstream, up/down: within the same layer). The tools zoom (buttons,
// + and - keys, Ctrl or ⌘ with the wheel), pan (drag the background),
// fit the graph to the box, focus the root and find a node by name.
// Links and the node table work without it.
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

  // Zoom and pan: the drawing's viewBox is the camera.
  var wrap = svg.parentNode;
  var tools = document.querySelector("[data-graph-tools]");
  if (!tools) { return; }
  tools.hidden = false;
  wrap.classList.add("zoomable");
  wrap.style.height = Math.round(Math.min(window.innerHeight * 0.75, Math.max(svg.viewBox.baseVal.height + 20, 240))) + "px";
  var full = svg.viewBox.baseVal;
  var W = full.width, H = full.height;
  var view = { x: 0, y: 0, w: W, h: H };
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  function apply() { svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h); }
  function fit() {
    var r = wrap.clientWidth / Math.max(1, wrap.clientHeight);
    var w = Math.max(W, H * r, wrap.clientWidth), h = w / r; // never larger than life
    view = { x: (W - w) / 2, y: (H - h) / 2, w: w, h: h };
    apply();
  }
  function zoom(f, cx, cy) {
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    var w = Math.min(Math.max(view.w * f, 200), Math.max(W, H) * 4);
    var k = w / view.w;
    view = { x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k, w: w, h: view.h * k };
    apply();
  }
  function centre(n, minW) {
    var rect = n.querySelector("rect");
    var x = parseFloat(rect.getAttribute("x")) + parseFloat(rect.getAttribute("width")) / 2;
    var yy = parseFloat(rect.getAttribute("y")) + parseFloat(rect.getAttribute("height")) / 2;
    if (minW && view.w > minW) {
      var k = minW / view.w;
      view.w *= k; view.h *= k;
    }
    view.x = x - view.w / 2;
    view.y = yy - view.h / 2;
    apply();
  }
  function visible(n) {
    var rect = n.querySelector("rect");
    var x = parseFloat(rect.getAttribute("x")), yy = parseFloat(rect.getAttribute("y"));
    return x >= view.x && yy >= view.y && x + 170 <= view.x + view.w && yy + 40 <= view.y + view.h;
  }
  var root = byId[svg.getAttribute("data-root")];
  tools.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var what = b.getAttribute("data-zoom");
      if (what === "in") { zoom(1 / 1.25); }
      else if (what === "out") { zoom(1.25); }
      else if (what === "fit") { fit(); }
      else if (root) { centre(root, 1200); root.focus(); }
    });
  });
  svg.addEventListener("wheel", function (ev) {
    if (!ev.ctrlKey && !ev.metaKey) { return; }
    ev.preventDefault();
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target.closest && ev.target.closest("a.node")) { return; }
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y };
    svg.classList.add("panning");
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var k = view.w / Math.max(1, svg.clientWidth);
    view.x = drag.vx - (ev.clientX - drag.x) * k;
    view.y = drag.vy - (ev.clientY - drag.y) * k;
    apply();
  });
  function endDrag() { drag = null; svg.classList.remove("panning"); }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
  svg.addEventListener("keydown", function (ev) {
    if (ev.key === "+" || ev.key === "=") { ev.preventDefault(); zoom(1 / 1.25); }
    else if (ev.key === "-") { ev.preventDefault(); zoom(1.25); }
  });
  nodes.forEach(function (n) {
    n.addEventListener("focus", function () { if (!visible(n)) { centre(n); } });
  });
  var find = tools.querySelector("[data-find]");
  var status = tools.querySelector("[data-find-status]");
  function doFind() {
    var q = find.value.trim().toLowerCase();
    svg.querySelectorAll(".found").forEach(function (el) { el.classList.remove("found"); });
    if (!q) { status.textContent = ""; return; }
    var hit = nodes.filter(function (n) { return (n.getAttribute("data-name") || "").toLowerCase() === q; })[0] ||
      nodes.filter(function (n) { return (n.getAttribute("data-name") || "").toLowerCase().indexOf(q) >= 0; })[0];
    if (!hit) {
      // A node folded into a "+N" node: draw every node and find it there.
      var all = tools.getAttribute("data-expand-all");
      var listed = Array.prototype.some.call(document.querySelectorAll("table th a"), function (a) { return a.textContent.trim().toLowerCase() === q; });
      if (all && listed) {
        var u = new URL(all, window.location.href);
        u.searchParams.set("find", find.value.trim());
        window.location.assign(u.toString());
        return;
      }
      status.textContent = "No node named " + find.value.trim() + " is drawn.";
      return;
    }
    hit.classList.add("found");
    centre(hit, 1200);
    status.textContent = "Found " + hit.getAttribute("data-name") + ".";
    hit.focus();
  }
  find.addEventListener("change", doFind);
  find.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); doFind(); } });
  fit();
  if (root && W > wrap.clientWidth * 1.5) { centre(root, Math.max(wrap.clientWidth, 1200)); }
  var asked = new URL(window.location.href).searchParams.get("find");
  if (asked) { find.value = asked; doFind(); }
})();

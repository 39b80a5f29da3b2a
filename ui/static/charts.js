// charts.js draws every <figure data-chart="..."> with uPlot, on page load
// and after each htmx swap. The data attribute holds
// {xlabel, ylabel, xtime, series: [{label, x: [...], y: [...]}]}; series
// with their own x values are merged onto one axis with gaps (null).
(function () {
  "use strict";
  var palette = ["#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#0b7285", "#5c940d", "#e67700", "#364fc7", "#a61e4d"];

  function align(series) {
    var xs = new Set();
    series.forEach(function (s) { s.x.forEach(function (v) { if (v !== null) xs.add(v); }); });
    var x = Array.from(xs).sort(function (a, b) { return a - b; });
    var index = new Map(x.map(function (v, i) { return [v, i]; }));
    var data = [x];
    series.forEach(function (s) {
      var y = new Array(x.length).fill(null);
      s.x.forEach(function (v, i) { if (v !== null) y[index.get(v)] = s.y[i]; });
      data.push(y);
    });
    return data;
  }

  // isolated marks, on long series, only the points whose neighbours
  // have no value: a lone bucket would otherwise draw nothing at all.
  function isolated(u, si) {
    var y = u.data[si], out = [];
    for (var i = 0; i < y.length; i++) {
      if (y[i] !== null && (i === 0 || y[i - 1] === null) && (i === y.length - 1 || y[i + 1] === null)) out.push(i);
    }
    return out;
  }

  function draw(fig) {
    if (fig.dataset.drawn === "1" || typeof uPlot === "undefined") return;
    var spec;
    try { spec = JSON.parse(fig.dataset.chart); } catch (e) { return; }
    if (!spec.series || spec.series.length === 0) return;
    var data = align(spec.series);
    if (data[0].length === 0) return;
    var box = fig.querySelector(".chart-plot") || fig;
    var width = Math.max(280, Math.min(box.clientWidth || fig.clientWidth || 640, 1100));
    var opts = {
      width: width, height: 260,
      scales: { x: { time: !!spec.xtime } },
      axes: [{ label: spec.xlabel || "" }, { label: spec.ylabel || "" }],
      series: [{}].concat(spec.series.map(function (s, i) {
        return { label: s.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true,
          points: { show: true, filter: data[0].length < 60 ? null : isolated } };
      })),
    };
    box.textContent = ""; // the server's SVG drawing gives way to uPlot
    fig.querySelectorAll(".chart-legend").forEach(function (l) { l.remove(); });
    new uPlot(opts, data, box);
    fig.dataset.drawn = "1";
  }

  function drawAll(root) {
    root = root || document;
    if (root.matches && root.matches("figure[data-chart]")) draw(root);
    root.querySelectorAll("figure[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:load", function (e) { drawAll(e.target); });
})();

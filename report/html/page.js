// gdiag report: draws the charts from the JSON block with uPlot (inlined
// above), opens a finding when a link points at it, and toggles all of them.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gdiag-data").textContent);
  var css = getComputedStyle(document.documentElement);
  var muted = css.getPropertyValue("--muted").trim() || "#5b6475";
  var grid = css.getPropertyValue("--line").trim() || "#dde1e8";
  var palette = ["#1c64d6", "#d9480f", "#2b8a3e", "#ae3ec9", "#c92a2a", "#0b7285", "#5c940d", "#862e9c"];

  function trim(s) { return s.indexOf(".") >= 0 ? s.replace(/\.?0+$/, "") : s; }
  function num(v, d) { return trim(v.toFixed(d)); }
  function bytes(v) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0, a = Math.abs(v);
    while (a >= 1024 && i < u.length - 1) { a /= 1024; v /= 1024; i++; }
    return num(v, a >= 100 || i === 0 ? 0 : 1) + " " + u[i];
  }
  function secs(v) {
    var a = Math.abs(v);
    if (a === 0) return "0";
    if (a < 1e-6) return num(v * 1e9, 0) + " ns";
    if (a < 1e-3) return num(v * 1e6, a < 1e-5 ? 1 : 0) + " µs";
    if (a < 1) return num(v * 1e3, a < 1e-2 ? 1 : 0) + " ms";
    return num(v, 1) + " s";
  }
  function count(v) {
    var a = Math.abs(v);
    if (a >= 1e6) return num(v / 1e6, 1) + "M";
    if (a >= 1e4) return num(v / 1e3, 0) + "k";
    return Math.round(v).toLocaleString("en-US");
  }
  function fmt(unit, v) {
    if (v == null || isNaN(v)) return "–";
    switch (unit) {
      case "bytes": return bytes(v);
      case "seconds": return secs(v);
      case "share": return num(100 * v, Math.abs(v) < 0.1 ? 1 : 0) + "%";
    }
    return count(v);
  }

  // Byte axes tick at binary steps: 16 MiB, 32 MiB, 48 MiB rather than 47.7 MiB.
  var byteIncrs = [];
  for (var k = 0; k < 6; k++) {
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].forEach(function (m) { byteIncrs.push(m * Math.pow(1024, k)); });
  }

  var drawn = [];
  data.charts.forEach(function (c) {
    var fig = document.getElementById(c.dom_id);
    if (!fig) return;
    var plot = fig.querySelector(".plot");
    var timed = c.x_unit === "time";
    var state = { id: c.id, dom_id: c.dom_id, want: c.series.length, drew: {}, points: c.x.length };
    var series = [{
      label: timed ? "time (UTC)" : "snapshot",
      value: timed ? function (u, v) { return v == null ? "–" : new Date(v * 1000).toISOString().slice(11, 23); }
        : function (u, v) { return v == null ? "–" : "#" + v; }
    }];
    c.series.forEach(function (s, i) {
      var known = s.values.filter(function (v) { return v != null; }).length;
      series.push({
        label: s.name,
        stroke: s.name === "total" ? muted : palette[i % palette.length],
        width: s.limit ? 1.5 : 1.75,
        dash: s.limit ? [6, 4] : s.name === "total" ? [3, 3] : undefined,
        spanGaps: true,
        points: { show: known <= 3 || c.x.length <= 12, size: known <= 3 ? 8 : 5, fill: palette[i % palette.length] },
        // With nothing at the last sample (RSS is read once, at capture),
        // the legend shows the series' last known value.
        value: function (u, v, si, idx) {
          if (v == null && idx === c.x.length - 1) {
            for (var j = idx; j >= 0; j--) {
              if (s.values[j] != null) return fmt(c.unit, s.values[j]) + " (" + (timed ? "at " + new Date(c.x[j] * 1000).toISOString().slice(11, 19) : "#" + c.x[j]) + ")";
            }
          }
          return fmt(c.unit, v);
        }
      });
    });
    var opts = {
      width: Math.max(plot.clientWidth, 200),
      height: 150,
      series: series,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: {
        x: { time: timed },
        y: { range: function (u, lo, hi) { return [0, hi > 0 ? hi * 1.08 : 1]; } }
      },
      axes: [
        { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 },
          // Time ticks at whole seconds, as HH:MM:SS UTC (a capture spans seconds to an hour).
          values: timed
            ? function (u, vals) { return vals.map(function (v) { return new Date(v * 1000).toISOString().slice(11, 19); }); }
            : function (u, vals) { return vals.map(function (v) { return Number.isInteger(v) ? "#" + v : ""; }); },
          incrs: timed ? [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400] : [1, 2, 5, 10, 20, 50, 100] },
        { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 74,
          incrs: c.unit === "bytes" ? byteIncrs : undefined,
          values: function (u, vals) { return vals.map(function (v) { return fmt(c.unit, v); }); } }
      ],
      cursor: { drag: { x: false, y: false } },
      hooks: { drawSeries: [function (u, si) { state.drew[si] = true; }] }
    };
    var u = new uPlot(opts, [c.x].concat(c.series.map(function (s) { return s.values; })), plot);
    // Until the pointer is on the chart, the legend shows the last values.
    var last = c.x.length - 1;
    function lastValues() { setTimeout(function () { u.setLegend({ idx: last }); }, 0); }
    lastValues();
    plot.addEventListener("mouseleave", lastValues);
    state.u = u;
    state.plot = plot;
    drawn.push(state);
  });

  // What the browser test reads: each chart's series, and which uPlot drew.
  window.gdiagCharts = function () {
    return drawn.map(function (s) {
      return { id: s.id, dom_id: s.dom_id, series: s.want, drawn: Object.keys(s.drew).length, points: s.points,
        width: s.u.width, height: s.u.height };
    });
  };
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      drawn.forEach(function (s) { s.u.setSize({ width: Math.max(s.plot.clientWidth, 200), height: 150 }); });
    }, 100);
  });

  // Sections scrolled to by a link start below the sticky header, however
  // many lines the table of contents wraps to.
  var header = document.querySelector("header.top");
  function pad() { document.documentElement.style.scrollPaddingTop = (header.offsetHeight + 6) + "px"; }
  pad();
  window.addEventListener("resize", pad);

  // A link to a finding opens it (before the browser scrolls to it).
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#"]');
    var el = a && document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    if (el && el.tagName === "DETAILS") el.open = true;
  });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") el.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  var toggle = document.querySelector("button.toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("data-open") === "1";
      document.querySelectorAll("details.finding").forEach(function (d) { d.open = open; });
      toggle.setAttribute("data-open", open ? "0" : "1");
      toggle.textContent = open ? "collapse all" : "expand all";
    });
  }
})();

/* Organisation pages: tree expand/collapse (htmx), coverage chart (ECharts) and map (Leaflet). */
(function () {
  "use strict";

  // --- Tree: expand loads the children after the row through htmx; collapse removes them.
  function descendantsOf(row) {
    var path = row.getAttribute("data-path");
    var out = [];
    var next = row.nextElementSibling;
    while (next && (next.getAttribute("data-path") || "").indexOf(path) === 0) {
      out.push(next);
      next = next.nextElementSibling;
    }
    return out;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".gb-tree-toggle");
    if (!button) return;
    event.preventDefault();
    var row = button.closest("tr");
    if (button.getAttribute("aria-expanded") === "true") {
      descendantsOf(row).forEach(function (r) { r.remove(); });
      button.setAttribute("aria-expanded", "false");
    } else {
      button.setAttribute("aria-expanded", "true");
      window.htmx.ajax("GET", button.getAttribute("data-url"), { target: row, swap: "afterend" });
    }
  });

  // --- Coverage chart.
  var colors = { own_branch: "#c62828", joint_branch: "#ef6c00", instructor: "#1565c0", none: "#9e9e9e" };

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var chartData = readJson("coverage-chart-data");
  var chartEl = document.getElementById("coverage-chart");
  if (chartData && chartEl && window.echarts) {
    var rows = chartData.regions.length ? chartData.regions : chartData.kinds;
    var chart = window.echarts.init(chartEl, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: ["组织覆盖率", "工作覆盖率"], top: 0 },
      grid: { left: 40, right: 10, bottom: 70, top: 30 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }),
               axisLabel: { rotate: 40, interval: 0, fontSize: 11 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "组织覆盖率", type: "bar", data: rows.map(function (r) { return r.org_rate; }), itemStyle: { color: "#c62828" } },
        { name: "工作覆盖率", type: "bar", data: rows.map(function (r) { return r.work_rate; }), itemStyle: { color: "#1565c0" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // --- Coverage map: works with no tile server. Region boundaries are the base layer
  // (map-areas.js), so the points sit in their townships even on a blank background.
  var mapData = readJson("coverage-map-data");
  var mapEl = document.getElementById("coverage-map");
  if (mapData && mapEl && window.L) {
    var L = window.L;
    var map = L.map(mapEl, { preferCanvas: true, attributionControl: !!mapData.tiles });
    if (mapData.tiles) {
      L.tileLayer(mapData.tiles, { attribution: mapData.attribution, maxZoom: 18 }).addTo(map);
    } else {
      mapEl.classList.add("gb-no-tiles");
    }
    if (mapData.center) { map.setView(mapData.center, 11); } else { map.setView([30, 120], 5); }
    fetch(mapData.points_url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var areas = window.gbAreas ? window.gbAreas(map, body.areas) : null;
        var bounds = [];
        body.points.forEach(function (p) {
          var m = L.circleMarker([p[0], p[1]], {
            radius: 5, weight: 1, color: "#fff", fillColor: colors[p[2]] || "#666", fillOpacity: 0.9
          });
          m.bindTooltip(p[3] + "（" + (mapData.labels[p[2]] || p[2]) + "）");
          m.addTo(map);
          bounds.push([p[0], p[1]]);
        });
        if (mapData.home) {
          L.circleMarker([mapData.home[0], mapData.home[1]], {
            radius: 10, weight: 3, color: "#c62828", fill: false
          }).bindTooltip(mapData.home[2] + "（党组织驻地）").addTo(map);
          bounds.push([mapData.home[0], mapData.home[1]]);
        }
        // The region's boundary frames the map; points outside it widen the frame.
        map.invalidateSize(); /* the page may have reflowed since the map was created */
        var frame = areas ? areas.getBounds() : null;
        if (frame && frame.isValid()) {
          bounds.forEach(function (b) { frame.extend(b); });
          map.fitBounds(frame, { padding: [10, 10] });
        } else if (bounds.length) {
          map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
        }
        mapEl.setAttribute("data-points", String(body.points.length));
      });
  }
})();

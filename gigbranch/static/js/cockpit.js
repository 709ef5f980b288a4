/* The cockpit and the big screen: ECharts charts and a Leaflet map with layers. Data come
   from the page (json_script) and the map's JSON endpoint; the big screen swaps its panel
   through htmx every few minutes and the charts are drawn again from the new data. */
(function () {
  "use strict";
  var screen = !!document.getElementById("gb-screen");
  var text = screen ? "#e6edf7" : "#333";
  var axis = screen ? "#8fa3bf" : "#666";
  var font = screen ? 16 : 12;
  var charts = {};

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    if (charts[id]) { charts[id].dispose(); }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    option.animation = false;
    option.textStyle = { color: text, fontSize: font };
    chart.setOption(option);
    if (onClick) chart.on("click", onClick);
    charts[id] = chart;
  }

  function catAxis(labels, rotate) {
    return { type: "category", data: labels, axisLabel: { color: axis, fontSize: font, rotate: rotate || 0, interval: 0 } };
  }
  function valAxis(extra) {
    var a = { type: "value", axisLabel: { color: axis, fontSize: font }, splitLine: { lineStyle: { color: screen ? "#234272" : "#eee" } } };
    for (var k in extra || {}) a[k] = extra[k];
    return a;
  }
  var legend = { top: 0, textStyle: { color: text, fontSize: font } };

  function render() {
    var data = readJson("cockpit-charts");
    if (!data) return;
    var rows = (data.coverage || []).filter(function (r) { return r.workplaces > 0 || r.drill; });
    if (rows.length) {
      draw("chart-coverage", {
        tooltip: { trigger: "axis" }, legend: legend,
        grid: { left: 48, right: 10, bottom: 60, top: 36 },
        xAxis: catAxis(rows.map(function (r) { return r.label; }), rows.length > 6 ? 35 : 0),
        yAxis: valAxis({ max: 100, axisLabel: { formatter: "{value}%", color: axis, fontSize: font } }),
        series: [
          { name: "组织覆盖率", type: "bar", data: rows.map(function (r) { return r.org_rate; }), itemStyle: { color: "#c62828" } },
          { name: "工作覆盖率", type: "bar", data: rows.map(function (r) { return r.work_rate; }), itemStyle: { color: "#1e88e5" } }
        ]
      }, function (p) {
        var row = rows[p.dataIndex];
        if (row && row.drill && row.region_id) window.location.href = data.drill_url + row.region_id;
      });
    }
    if (data.kinds && data.kinds.length) {
      draw("chart-kinds", {
        tooltip: { trigger: "item", formatter: "{b}：{c} 家（{d}%）" },
        series: [{ type: "pie", radius: ["35%", "65%"], label: { color: text, fontSize: font },
                   data: data.kinds.map(function (r) { return { name: r.label, value: r.workplaces }; }) }]
      });
    }
    if (data.appeals) {
      var a = data.appeals;
      draw("chart-appeals", {
        tooltip: { trigger: "axis" }, legend: legend,
        grid: { left: 48, right: 48, bottom: 40, top: 36 },
        xAxis: catAxis(a.months.map(function (m) { return m.slice(5) + "月"; })),
        yAxis: [valAxis({ max: 100, axisLabel: { formatter: "{value}%", color: axis, fontSize: font } }), valAxis({ name: "件" })],
        series: [
          { name: "受理件数", type: "bar", yAxisIndex: 1, data: a.received, itemStyle: { color: screen ? "#2f4f7f" : "#cfd8e3" } },
          { name: "响应率", type: "line", data: a.series.response, itemStyle: { color: "#fa8c16" } },
          { name: "解决率", type: "line", data: a.series.resolution, itemStyle: { color: "#52c41a" } },
          { name: "满意率", type: "line", data: a.series.satisfaction, itemStyle: { color: "#c62828" } }
        ]
      });
    }
    if (data.categories && data.categories.length) {
      var cats = data.categories.slice().reverse();
      draw("chart-categories", {
        tooltip: { trigger: "axis" }, grid: { left: 8, right: 24, bottom: 24, top: 10, containLabel: true },
        xAxis: valAxis(), yAxis: catAxis(cats.map(function (c) { return c.name; })),
        series: [{ type: "bar", data: cats.map(function (c) { return c.value; }), itemStyle: { color: "#1e88e5" } }]
      });
    }
    if (data.hours) {
      draw("chart-hours", {
        tooltip: { trigger: "axis" }, grid: { left: 40, right: 10, bottom: 30, top: 10 },
        xAxis: catAxis(data.hours.map(function (_, h) { return h + "时"; }), 45), yAxis: valAxis(),
        series: [{ type: "bar", name: "到站人次", data: data.hours, itemStyle: { color: "#c62828" } }]
      });
    }
    if (data.funnel && data.funnel.length) {
      draw("chart-funnel", {
        tooltip: { trigger: "item", formatter: "{b}：{c} 人" },
        series: [{ type: "funnel", sort: "none", left: 10, right: 10, top: 5, bottom: 5, label: { color: text, fontSize: font },
                   data: data.funnel }]
      });
    }
  }

  // --- Map: region boundaries as the base (no tile server needed) and one layer each for
  // workplaces by coverage, branches, stations and appeal density.
  var colors = { own_branch: "#c62828", joint_branch: "#ef6c00", instructor: "#1565c0", none: "#9e9e9e" };
  var labels = { own_branch: "单独建立", joint_branch: "联合党支部", instructor: "党建工作指导员", none: "尚未覆盖" };
  var map = null, overlays = [], control = null;

  function loadMap() {
    var conf = readJson("cockpit-map-data");
    var el = document.getElementById("cockpit-map");
    if (!conf || !el || !window.L) return;
    var L = window.L;
    if (!map) {
      map = L.map(el, { preferCanvas: true, attributionControl: !!conf.tiles });
      if (conf.tiles) { L.tileLayer(conf.tiles, { attribution: conf.attribution, maxZoom: 18 }).addTo(map); }
      else { el.classList.add("gb-no-tiles"); }
      if (conf.center) { map.setView(conf.center, 11); } else { map.setView([30, 120], 5); }
    }
    fetch(conf.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        overlays.forEach(function (l) { map.removeLayer(l); });
        overlays = [];
        if (control) { control.remove(); }
        var areas = window.gbAreas ? window.gbAreas(map, body.areas) : null;
        if (areas) overlays.push(areas);
        var named = {};
        var bounds = [];
        function group(name, points, make) {
          if (!points) return;
          var g = L.layerGroup(points.map(function (p) { bounds.push([p[0], p[1]]); return make(p); }));
          g.addTo(map); overlays.push(g); named[name] = g;
        }
        group("企业/站点（按覆盖方式着色）", body.workplaces, function (p) {
          return L.circleMarker([p[0], p[1]], { radius: screen ? 6 : 4, weight: 1, color: "#fff", fillColor: colors[p[2]] || "#666", fillOpacity: 0.9 })
            .bindTooltip(p[3] + "（" + (labels[p[2]] || p[2]) + "）");
        });
        group("党支部", body.branches, function (p) {
          return L.circleMarker([p[0], p[1]], { radius: screen ? 8 : 6, weight: 2, color: "#ffd666", fillColor: "#c62828", fillOpacity: 1 }).bindTooltip(p[2]);
        });
        group("服务驿站", body.stations, function (p) {
          return L.circleMarker([p[0], p[1]], { radius: screen ? 7 : 5, weight: 2, color: "#fff", fillColor: "#2e7d32", fillOpacity: 1 }).bindTooltip(p[2]);
        });
        if (body.appeals) {
          var top = Math.max.apply(null, body.appeals.map(function (p) { return p[3]; }).concat([1]));
          group("诉求分布（今年）", body.appeals, function (p) {
            return L.circle([p[0], p[1]], { radius: 600 + 2400 * p[3] / top, weight: 1, color: "#fa8c16", fillColor: "#fa8c16", fillOpacity: 0.25 })
              .bindTooltip(p[2] + "：" + p[3] + " 件");
          });
        }
        control = L.control.layers(null, named, { collapsed: false }).addTo(map);
        if (areas && areas.getBounds().isValid()) { map.fitBounds(areas.getBounds(), { padding: [8, 8] }); }
        else if (bounds.length) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 14 }); }
        el.setAttribute("data-loaded", "1");
      });
  }

  render();
  loadMap();
  window.addEventListener("resize", function () { for (var k in charts) charts[k].resize(); });
  // The big screen's panel was swapped (htmx polling): draw the charts and layers again.
  document.body.addEventListener("htmx:afterSettle", function () {
    render();
    if (screen) loadMap();
  });
})();

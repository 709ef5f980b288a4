/* Appeals: KPI trend chart with drill-down; phone location for the portal form. */
(function () {
  "use strict";

  function pct(v) { return v === null ? null : Math.round(v * 1000) / 10; }

  var chartEl = document.getElementById("kpi-trend");
  var dataEl = document.getElementById("kpi-trend-data");
  if (chartEl && dataEl && window.echarts) {
    var data = JSON.parse(dataEl.textContent);
    var chart = window.echarts.init(chartEl);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      legend: { data: ["响应率", "解决率", "满意率"] },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "响应率", type: "line", data: data.series.response.map(pct), connectNulls: true },
        { name: "解决率", type: "line", data: data.series.resolution.map(pct), connectNulls: true },
        { name: "满意率", type: "line", data: data.series.satisfaction.map(pct), connectNulls: true }
      ]
    });
    var metricOf = { "响应率": "responded", "解决率": "resolved", "满意率": "satisfied" };
    chart.on("click", function (p) {
      var url = chartEl.dataset.listUrl + "?month=" + encodeURIComponent(p.name) +
        "&metric=" + (metricOf[p.seriesName] || "");
      window.location.href = url;
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var locBtn = document.getElementById("use-location");
  if (locBtn && navigator.geolocation) {
    locBtn.addEventListener("click", function () {
      var status = document.getElementById("location-status");
      status.textContent = "正在获取位置……";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
        status.textContent = "已获取当前位置。";
      }, function () {
        status.textContent = "无法获取位置，请选择站点或填写地点。";
      }, { timeout: 8000 });
    });
  } else if (locBtn) {
    locBtn.hidden = true;
  }
})();

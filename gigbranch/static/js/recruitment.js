// Recruitment overview: the funnel chart (data from json_script, no inline script: CSP).
(function () {
  "use strict";
  var el = document.getElementById("rec-funnel");
  var dataEl = document.getElementById("rec-funnel-data");
  if (!el || !dataEl || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(dataEl.textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "item", formatter: "{b}：{c} 人" },
    color: ["#b71c1c", "#c62828", "#d84315", "#ef6c00", "#f9a825"],
    series: [
      {
        type: "funnel",
        left: "10%",
        width: "80%",
        sort: "none",
        minSize: "12%",
        label: { show: true, position: "inside", formatter: "{b} {c}" },
        data: data,
      },
    ],
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
})();

// Completion-rate bar chart of /compliance/units/ (ECharts), from the json_script data.
// A static file, not an inline script: the Content-Security-Policy allows none (#8 item 14).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("completion-chart");
    var data = document.getElementById("completion-data");
    if (!el || !data || !window.echarts) { return; }
    var d = JSON.parse(data.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: {left: 8, right: 16, top: 16, bottom: 8, containLabel: true},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", data: d.names, inverse: true},
      series: [{type: "bar", data: d.rates, label: {show: true, position: "right", formatter: "{c}%"}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

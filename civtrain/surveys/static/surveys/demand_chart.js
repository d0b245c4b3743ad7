// Demand against hours delivered by subject on a survey's results page (ECharts), from the
// json_script data. A static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("demand-chart");
    var data = document.getElementById("demand-data");
    if (!el || !data || !window.echarts) { return; }
    var d = JSON.parse(data.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
      legend: {top: 0},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", data: d.subjects, inverse: true},
      series: [
        {name: d.demand_label, type: "bar", data: d.demand},
        {name: d.hours_label, type: "bar", data: d.hours}
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

// Charts of the figure pages, drawn in the browser by Apache ECharts (node_modules/echarts, served at
// /vendor/echarts) from the JSON a page or an htmx fragment carries in data-chart:
//   {"type": "bar" | "line", "title": "…", "labels": ["…"], "series": [{"name": "…", "values": [98.37, null]}]}
// Values are rates in per cent, written as the report writes them (98,37%, 100%). A file, not inline code: the
// Content-Security-Policy refuses inline scripts; tooltips are rich text, not HTML with style attributes.
(function () {
  "use strict";

  function percent(value) {
    if (value === null || value === undefined || isNaN(value)) return "–";
    var fixed = Number(value).toFixed(2).replace(/\.?0+$/, "");
    return fixed.replace(".", ",") + "%";
  }

  function option(spec) {
    var line = spec.type === "line";
    return {
      animation: false,
      title: { text: spec.title, left: "center", textStyle: { fontSize: 13, fontWeight: "bold" } },
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: percent },
      legend: spec.series.length > 1 ? { bottom: 0 } : undefined,
      grid: { left: 48, right: 16, top: 40, bottom: spec.series.length > 1 ? 56 : 32, containLabel: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 3 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: function (v) { return v + "%"; } } },
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: line ? "line" : "bar", data: s.values, connectNulls: true,
          label: { show: true, position: "top", formatter: function (p) { return percent(p.value); } }
        };
      })
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") return;
    var nodes = (root || document).querySelectorAll(".echart[data-chart]:not([data-drawn])");
    Array.prototype.forEach.call(nodes, function (el) {
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      el.style.height = "300px";
      el.style.width = "100%";
      var chart = echarts.init(el, null, { renderer: "canvas", locale: "EN" });
      chart.setOption(option(spec));
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // A panel loaded by htmx after the page: draw the charts it brought.
  document.addEventListener("htmx:afterSettle", function (event) { draw(document); });
})();

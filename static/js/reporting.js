/* Monthly statistics: draws the three charts from the page's json_script block
 * (#rpt-chart-data) with the locally served Chart.js, and wires the print button.
 * Every number drawn here is also in a table on the page. */
(function () {
  "use strict";

  var COLORS = {
    blue: "#2f6fb0",
    teal: "#2a9d8f",
    orange: "#e07a1f",
    red: "#c0392b",
    green: "#3c8d40",
    grey: "#8a8f98",
    purple: "#7b5ea7"
  };

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  function percentTick(value) {
    return value + "%";
  }

  function trendChart(canvas, d, animate) {
    var names = d.names;
    return new Chart(canvas, {
      data: {
        labels: d.labels,
        datasets: [
          { type: "bar", label: names.total, data: d.total, backgroundColor: "rgba(47,111,176,0.55)", yAxisID: "count", order: 3 },
          { type: "bar", label: names.valid, data: d.valid, backgroundColor: "rgba(42,157,143,0.55)", yAxisID: "count", order: 4 },
          { type: "line", label: names.satisfaction, data: d.satisfaction, borderColor: COLORS.orange, backgroundColor: COLORS.orange, yAxisID: "rate", tension: 0.2, spanGaps: true, order: 1 },
          { type: "line", label: names.resolved_in_time, data: d.resolved_in_time, borderColor: COLORS.purple, backgroundColor: COLORS.purple, yAxisID: "rate", tension: 0.2, spanGaps: true, order: 2 },
          { type: "line", label: names.target, data: d.labels.map(function () { return d.target; }), borderColor: COLORS.red, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5, yAxisID: "rate", order: 0 }
        ]
      },
      options: {
        animation: animate,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
        scales: {
          count: { type: "linear", position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: names.count_axis } },
          rate: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, ticks: { callback: percentTick } }
        }
      }
    });
  }

  function categoryChart(canvas, d, animate) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [{ label: d.name, data: d.counts, backgroundColor: "rgba(47,111,176,0.75)" }]
      },
      options: {
        animation: animate,
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function departmentChart(canvas, d, animate) {
    var names = d.names;
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: names.in_time, data: d.in_time, backgroundColor: COLORS.green },
          { label: names.late, data: d.late, backgroundColor: COLORS.orange },
          { label: names.overdue, data: d.overdue, backgroundColor: COLORS.red }
        ]
      },
      options: {
        animation: animate,
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: true }
        }
      }
    });
  }

  function drawCharts() {
    var node = document.getElementById("rpt-chart-data");
    if (!node || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(node.textContent);
    // No animation: the figures are read, not watched, and a page printed or captured
    // while a chart is still moving would show it half drawn.
    var animate = false;
    Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
    var charts = [];
    var trend = document.getElementById("rpt-chart-trend");
    var categories = document.getElementById("rpt-chart-categories");
    var departments = document.getElementById("rpt-chart-departments");
    if (trend) { charts.push(trendChart(trend, data.trend, animate)); }
    if (categories) { charts.push(categoryChart(categories, data.categories, animate)); }
    if (departments) { charts.push(departmentChart(departments, data.departments, animate)); }
    window.addEventListener("beforeprint", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  function wirePrint() {
    document.querySelectorAll("[data-rpt-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  ready(function () {
    drawCharts();
    wirePrint();
  });
})();

// credlens dashboards: draws every chart of the page from its Vega-Lite spec.
// The specs sit in <script type="application/json"> blocks (data, never executed). The CSP forbids
// eval, so Vega runs with its CSP-safe expression interpreter (`ast: true`), and draws on canvas.
"use strict";

function drawCharts() {
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    window
      .vegaEmbed(element, spec, {
        ast: true,
        actions: false,
        renderer: "canvas",
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
      })
      .then(function (result) {
        element.vegaView = result.view; // what was drawn, for tests and the console
        element.dataset.rendered = "true";
      })
      .catch(function (error) {
        element.dataset.rendered = "failed";
        element.textContent = "This chart could not be drawn; the table below holds its numbers.";
        console.error(error);
      });
  });
}

document.addEventListener("DOMContentLoaded", drawCharts);

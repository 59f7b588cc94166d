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

// The filter form (issue 15, "filters that cannot trap you"): editing a date means custom dates, so
// the window switches to "Custom dates" (a period would win over the dates on the server); "All
// time" has no earlier window, so its comparison is disabled and the form says why.
function keepFiltersHonest() {
  var period = document.getElementById("f-period");
  var compare = document.getElementById("f-compare");
  var why = document.getElementById("f-compare-why");
  if (!period) {
    return;
  }
  ["f-from", "f-to"].forEach(function (id) {
    var field = document.getElementById(id);
    if (field) {
      field.addEventListener("input", function () {
        period.value = "";
        syncCompare();
      });
    }
  });
  function syncCompare() {
    if (!compare) {
      return;
    }
    var allTime = period.value === "all";
    compare.disabled = allTime;
    if (why) {
      why.hidden = !allTime;
    }
  }
  period.addEventListener("change", syncCompare);
  syncCompare();
}

document.addEventListener("DOMContentLoaded", keepFiltersHonest);

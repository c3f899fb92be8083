// Draws the results pages' Plotly figures. Each <div class="chart" data-figure="ID"> is drawn
// from the JSON in <script type="application/json" id="ID">; no inline script anywhere.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("div.chart[data-figure]").forEach(function (div) {
      var source = document.getElementById(div.getAttribute("data-figure"));
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displayModeBar: false });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

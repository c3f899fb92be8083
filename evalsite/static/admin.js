// Admin pages. Served from our own origin: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  // A form marked data-confirm="question" asks before it is sent (voiding a batch, revoking...).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();

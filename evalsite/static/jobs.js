// A background job's page: poll its state and move the progress bar until it is done or failed.
// Served from our own origin: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) return;
  var bar = box.querySelector(".job-bar");
  var text = box.querySelector(".job-text");
  var delay = 1000;

  function show(status) {
    box.setAttribute("data-state", status.state);
    bar.value = status.percent;
    bar.textContent = status.percent + "%";
    text.textContent = status.text;
    if (status.file_url) {
      box.querySelector(".job-file a").href = status.file_url;
      box.querySelector(".job-file").hidden = false;
    }
    if (status.result_url) {
      box.querySelector(".job-result a").href = status.result_url;
      box.querySelector(".job-result").hidden = false;
    }
    box.querySelector(".job-retry").hidden = status.state !== "failed";
    return status.state === "queued" || status.state === "running";
  }

  function poll() {
    fetch(box.getAttribute("data-job-status"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        delay = 1000;
        if (show(status)) window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000); // a network blip: keep trying, less often
        window.setTimeout(poll, delay);
      });
  }

  var state = box.getAttribute("data-state");
  if (state === "queued" || state === "running") window.setTimeout(poll, delay);
})();

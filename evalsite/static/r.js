// Public rating pages. Served from our own origin; no other script runs here.
(function () {
  "use strict";
  // A scanned QR opens /r#CODE: the fragment never reaches the server or its logs.
  // Move it into the form, clear it from the address bar and history, and submit.
  var codeForm = document.getElementById("code-form");
  if (codeForm && location.hash.length > 1) {
    var code = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, "", location.pathname + location.search);
    codeForm.elements.code.value = code;
    codeForm.submit();
    return;
  }
  // A code that rates several targets: one screen per target.
  var steps = document.querySelectorAll(".step");
  var submit = document.getElementById("submit");
  if (steps.length < 2 || !submit) return;
  var current = 0;
  function complete(step) {
    var inputs = step.querySelectorAll("input[required]");
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].checkValidity()) { inputs[i].reportValidity(); return false; }
    }
    return true;
  }
  function show(index) {
    for (var i = 0; i < steps.length; i++) steps[i].hidden = i !== index;
    submit.hidden = index !== steps.length - 1;
    current = index;
    window.scrollTo(0, 0);
  }
  for (var i = 0; i < steps.length; i++) {
    var nav = steps[i].querySelector(".nav");
    if (nav) nav.hidden = false;
  }
  document.addEventListener("click", function (event) {
    var button = event.target;
    if (button.classList.contains("next") && complete(steps[current])) show(current + 1);
    if (button.classList.contains("prev")) show(current - 1);
  });
  show(0);
})();

// Public rating pages. Served from our own origin; no other script runs here.
(function () {
  "use strict";
  // A scanned QR opens /r#CODE: the fragment never reaches the server or its logs.
  // Move it into a code form, clear it from the address bar and history, and submit.
  var codeForm = document.getElementById("code-form");
  var rateForm = document.getElementById("rate-form");
  var heldCode = rateForm && rateForm.elements.code; // absent on a poster's form
  function formForCode() {
    if (codeForm || !heldCode) return codeForm;
    // The form a first code opened: a second code replaces it, as on the code page.
    var form = document.createElement("form");
    form.method = "post";
    form.action = rateForm.getAttribute("data-open");
    form.hidden = true;
    form.appendChild(rateForm.elements.csrf_token.cloneNode());
    var field = document.createElement("input");
    field.name = "code";
    form.appendChild(field);
    document.body.appendChild(form);
    return form;
  }
  function takeCode() {
    var form = location.hash.length > 1 && formForCode();
    if (!form) return false;
    var code = location.hash.slice(1);
    try { code = decodeURIComponent(code); } catch (e) { /* not %-encoded: use it as it is */ }
    history.replaceState(null, "", location.pathname + location.search);
    form.elements.code.value = code;
    form.submit();
    return true;
  }
  // A tab already at /r sees only the fragment change: the page does not load again.
  window.addEventListener("hashchange", takeCode);
  if (takeCode()) return;
  // Switching language reloads the page and would lose a code's form: the code rides in the
  // fragment of the switch's action, which the browser keeps across /language's redirect to
  // /r (the server never sees it), and comes back as if scanned again.
  var language = document.getElementById("language");
  if (language && heldCode) {
    language.addEventListener("submit", function () {
      language.action = language.getAttribute("action").split("#")[0] + "#" + encodeURIComponent(heldCode.value);
    });
  }
  // A code that rates several targets: one screen per target.
  var steps = document.querySelectorAll(".step");
  var submit = document.getElementById("submit");
  if (steps.length < 2 || !submit) return;
  var current = 0;
  // With 不了解 on the scale every answer is optional: a rater who knows two of 189 chiefs
  // may send the form from any screen. Otherwise only from the last, every item answered.
  var optional = !submit.form.querySelector("input[required]");
  function complete(step) {
    var inputs = step.querySelectorAll("input[required]");
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].checkValidity()) { inputs[i].reportValidity(); return false; }
    }
    return true;
  }
  function show(index) {
    for (var i = 0; i < steps.length; i++) steps[i].hidden = i !== index;
    submit.hidden = !optional && index !== steps.length - 1;
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
  // Answers are required (no 不了解) and a jump skipped a screen: show the first unanswered one.
  submit.addEventListener("click", function (event) {
    var invalid = submit.form.querySelector("input:invalid");
    if (!invalid) return;
    event.preventDefault();
    for (var i = 0; i < steps.length; i++) if (steps[i].contains(invalid)) show(i);
    invalid.reportValidity();
  });
  show(0);
  // A code covering many targets: a search box narrows the jump list, which goes straight to a
  // target. Each screen carries what it is found by (name, post, unit and their pinyin initials,
  // written by the server): nothing is asked of the network.
  var finder = document.getElementById("finder");
  if (!finder) return;
  var find = document.getElementById("find");
  var jump = document.getElementById("jump");
  var none = document.getElementById("none");
  var heading = jump.options[0];
  var everyone = Array.prototype.slice.call(jump.options, 1);
  var filter = function () {
    var terms = find.value.toLowerCase().split(/\s+/).filter(Boolean);
    var hits = everyone.filter(function (option) {
      var text = steps[option.value - 1].getAttribute("data-find");
      return terms.every(function (term) { return text.indexOf(term) >= 0; });
    });
    while (jump.options.length > 1) jump.remove(1);
    hits.forEach(function (option) { jump.add(option); });
    heading.text = finder.getAttribute(terms.length ? "data-found" : "data-all").replace("{n}", hits.length);
    jump.value = "";
    none.hidden = hits.length > 0;
    return hits;
  };
  find.addEventListener("input", filter);
  find.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var hits = filter();
    if (hits.length) show(hits[0].value - 1);
  });
  jump.addEventListener("change", function () {
    if (jump.value) show(jump.value - 1);
  });
  finder.hidden = false;
})();

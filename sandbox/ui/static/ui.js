/* dsop-sandbox workshop UI: copy buttons, the run form's busy state, open/close all steps. No dependencies. */
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function copy(text, button) {
    function done() {
      button.classList.add("done");
      var label = button.textContent;
      button.textContent = "copied";
      setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { if (fallbackCopy(text)) { done(); } });
    } else if (fallbackCopy(text)) {
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-target]");
    if (button) {
      var text = button.getAttribute("data-copy");
      if (text === null) {
        var target = document.querySelector(button.getAttribute("data-copy-target"));
        text = target ? target.textContent : "";
      }
      copy(text, button);
      return;
    }
    var toggle = event.target.closest("[data-toggle-all]");
    if (toggle) {
      var all = document.querySelectorAll(toggle.getAttribute("data-toggle-all"));
      var open = Array.prototype.some.call(all, function (d) { return !d.open; });
      all.forEach(function (d) { d.open = open; });
    }
  });

  var form = document.getElementById("run-form");
  if (form) {
    var service = document.getElementById("service");
    var guardian = document.getElementById("guardian-field");
    var sync = function () { guardian.classList.toggle("hidden", service.value !== "verge"); };
    service.addEventListener("change", sync);
    sync();
    form.addEventListener("submit", function () {
      document.getElementById("run-button").disabled = true;
      document.getElementById("running").classList.remove("hidden");
    });
  }
})();

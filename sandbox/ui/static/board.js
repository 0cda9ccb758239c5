/* The presenter board refreshes its figures from /ui/board.json every few seconds; a new room (or a room gone)
   reloads the page. Values are set as text, never as HTML (room names come from participants). */
(function () {
  "use strict";
  var INTERVAL = 3000;
  var state = document.getElementById("board-state");
  var zone = document.currentScript.getAttribute("data-zone") || "Europe/Oslo";
  var timeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit",
                                                      second: "2-digit", hourCycle: "h23" });
  function cards() { return Array.prototype.slice.call(document.querySelectorAll("[data-room]")); }
  function lastText(last) {
    if (!last) { return "no request yet"; }
    return "last " + last.clock + " · " + last.api + " " + (last.endpoint || "") + " · " + last.status +
      (last.errorCode ? " " + last.errorCode : "");
  }
  function update(data) {
    var shown = cards().map(function (c) { return c.getAttribute("data-room"); });
    var names = data.rooms.map(function (r) { return r.name; });
    if (shown.join("\n") !== names.join("\n")) { location.reload(); return; }
    data.rooms.forEach(function (r, i) {
      var card = cards()[i];
      ["cases", "requests", "errors", "today", "uiRuns"].forEach(function (key) {
        card.querySelector("[data-field=" + key + "]").textContent = String(r[key]);
      });
      card.querySelector("[data-field=last]").textContent = lastText(r.last);
      card.querySelector("[data-field-box=errors]").className = r.errors ? "bad" : "";
    });
    state.textContent = "live · updated " + timeFormat.format(new Date());
  }
  function poll() {
    if (document.hidden) { setTimeout(poll, INTERVAL); return; }
    fetch("/ui/board.json", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(update)
      .catch(function (e) { state.textContent = "cannot reach the sandbox (" + e.message + ")"; })
      .then(function () { setTimeout(poll, INTERVAL); });
  }
  state.textContent = "live · updated " + timeFormat.format(new Date());
  setTimeout(poll, INTERVAL);
})();

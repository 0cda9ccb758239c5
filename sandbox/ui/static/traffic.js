/* Live traffic: poll /ui/traffic.json, group the request log by case, expand a case to see its requests in order.
   The first rows come rendered from the server (and their data in #traffic-first): no "loading…" paint. Times are
   the server's, already in the sandbox's zone, 24 h (`clock`); the "as of" time uses the same zone.
   Everything from the log is put in the page as text (never as HTML): header values come from any client. */
(function () {
  "use strict";
  var INTERVAL = 1500;
  var NO_CASE = "(no case id)";
  var NO_CASE_WHY = "Maskinporten token requests and directory look-ups carry no AccountInfoRequestID (the " +
    "standard puts it on register and bank calls only), so they belong to no case here. The Run a case page " +
    "counts them in its total: that is why a case there shows more requests than its group here.";
  var names = JSON.parse(document.getElementById("traffic-names").textContent);
  var first = JSON.parse(document.getElementById("traffic-first").textContent);
  var zone = document.currentScript.getAttribute("data-zone") || "Europe/Oslo";
  var timeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit",
                                                      second: "2-digit", hourCycle: "h23" });
  var filters = document.getElementById("filters");
  var body = document.querySelector("#traffic tbody");
  var state = document.getElementById("live-state");
  var live = document.getElementById("live-toggle");
  var showNoCase = document.getElementById("show-nocase");
  var latest = null, rows = [], opened = {}, previousTop = null, timer = null, busy = false;
  // Each filter change starts a new generation: an answer to an older one is dropped and asked again, so a
  // change made while a poll is on its way is never lost (its `since` would otherwise say "unchanged").
  var generation = 0;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function bankName(org) { return org ? (names.banks[org] || org) : ""; }
  function consumerName(org) { return org ? (names.consumers[org] || org) : ""; }
  function clock(r) { return r.clock || ""; }
  function unique(list) {
    var seen = {}, out = [];
    list.forEach(function (v) { if (v && !seen[v]) { seen[v] = true; out.push(v); } });
    return out;
  }
  function params() {
    var p = new URLSearchParams(new FormData(filters));
    return p;
  }

  function groups() {
    var byCase = {};
    rows.forEach(function (r) {
      var key = r.accountInfoRequestId || NO_CASE;
      (byCase[key] = byCase[key] || []).push(r);
    });
    var out = Object.keys(byCase).map(function (key) {
      var list = byCase[key].sort(function (a, b) { return a.id - b.id; });
      return { key: key, rows: list, last: list[list.length - 1] };
    });
    out.sort(function (a, b) { return b.last.id - a.last.id; });
    return out;
  }

  function partyCell(list) {
    var td = el("td"), named = {};
    list.forEach(function (r) { if (r.party && r.partyName) { named[r.party] = r.partyName; } });
    unique(list.map(function (r) { return r.party; })).forEach(function (p) {
      var line = el("div", named[p] ? named[p] + " " : "");
      line.appendChild(el("span", p, "mono"));
      td.appendChild(line);
    });
    return td;
  }

  function statusCell(r) {
    var td = el("td", r.status === 0 ? "dropped" : r.status, "st s" + String(r.status).charAt(0));
    if (r.errorCode) { td.appendChild(document.createTextNode(" " + r.errorCode)); }
    return td;
  }

  function detail(group) {
    var tr = el("tr", null, "case-detail");
    var td = el("td");
    td.colSpan = 8;
    var table = el("table", null, "small");
    var head = el("tr");
    ["#", "time", "API", "bank", "endpoint", "status", "results", "ms"].forEach(function (h) { head.appendChild(el("th", h)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody");
    group.rows.forEach(function (r, i) {
      var row = el("tr");
      row.appendChild(el("td", i + 1, "num"));
      row.appendChild(el("td", clock(r)));
      row.appendChild(el("td", r.api));
      row.appendChild(el("td", bankName(r.bank)));
      row.appendChild(el("td", (r.endpoint || "") + (r.page ? " (page " + r.page + ")" : "")));
      row.appendChild(statusCell(r));
      row.appendChild(el("td", r.resultCount === null ? "" : r.resultCount, "num"));
      row.appendChild(el("td", r.latencyMs, "num"));
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    td.appendChild(table);
    if (group.key !== NO_CASE) {
      var link = el("a", "open this case's page (every request, in order)");
      link.href = "/traffic/cases/" + encodeURIComponent(group.key);
      var report = el("a", "conformance report");
      report.href = "/traffic/cases/" + encodeURIComponent(group.key) + "/report";
      var p = el("p"); p.appendChild(link); p.appendChild(document.createTextNode(" · ")); p.appendChild(report);
      td.appendChild(p);
    } else {
      td.insertBefore(el("p", NO_CASE_WHY, "note"), table);
    }
    tr.appendChild(td);
    return tr;
  }

  function render(freshAbove) {
    var list = groups().filter(function (g) { return showNoCase.checked || g.key !== NO_CASE; });
    body.textContent = "";
    if (!list.length) {
      var empty = el("tr"); var td = el("td", "No requests yet: run a case, or send one with curl.", "muted");
      td.colSpan = 8; empty.appendChild(td); body.appendChild(empty);
      return;
    }
    list.forEach(function (g) {
      var tr = el("tr", null, "case-row" + (opened[g.key] ? " open" : "") +
                  (freshAbove !== null && g.last.id > freshAbove ? " fresh" : ""));
      tr.setAttribute("data-case", g.key);
      var errors = g.rows.filter(function (r) { return r.status >= 400 || r.status === 0; }).length;
      tr.appendChild(el("td", clock(g.last), "nowrap"));
      var caseCell = el("td", g.key === NO_CASE ? NO_CASE : g.key.substring(0, 8) + "…", "mono");
      caseCell.title = g.key === NO_CASE ? NO_CASE_WHY : g.key;
      if (g.key === NO_CASE) {
        caseCell.appendChild(el("div", "tokens, directory: not part of a case", "note nocase-note"));
      }
      tr.appendChild(caseCell);
      tr.appendChild(el("td", unique(g.rows.map(function (r) { return consumerName(r.consumer); })).join(", ")));
      tr.appendChild(el("td", unique(g.rows.map(function (r) { return r.service; })).join(", ")));
      tr.appendChild(partyCell(g.rows));
      tr.appendChild(el("td", unique(g.rows.map(function (r) { return bankName(r.bank); })).join(", ")));
      tr.appendChild(el("td", g.rows.length, "num"));
      tr.appendChild(el("td", errors || "", "num" + (errors ? " st s4" : "")));
      tr.addEventListener("click", function () {
        opened[g.key] = !opened[g.key];
        render(null);
      });
      body.appendChild(tr);
      if (opened[g.key]) { body.appendChild(detail(g)); }
    });
  }

  function setState(text, cls) {
    state.textContent = text;
    state.className = "live" + (cls ? " " + cls : "");
  }

  function poll() {
    if (busy) { return; }
    busy = true;
    var asked = generation;
    var p = params();
    if (latest !== null) { p.set("since", latest); }
    fetch("/ui/traffic.json?" + p.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (asked !== generation) { return; }  // the filters changed meanwhile: the next poll asks again
        var now = timeFormat.format(new Date());
        if (!data.unchanged) {
          var before = previousTop;
          rows = data.requests || [];
          latest = data.latest;
          previousTop = latest;
          render(before);
        }
        setState((live.checked ? "live · " : "paused · ") + "updated " + now, live.checked ? "" : "paused");
      })
      .catch(function (e) { setState("cannot reach the sandbox (" + e.message + ")", "error"); })
      .then(function () {
        busy = false;
        if (asked !== generation) { poll(); } else { schedule(); }
      });
  }

  function schedule() {
    clearTimeout(timer);
    if (live.checked) { timer = setTimeout(function () { if (!document.hidden) { poll(); } else { schedule(); } }, INTERVAL); }
  }

  filters.addEventListener("change", function (event) {
    if (event.target === live) {
      if (live.checked) { poll(); } else { clearTimeout(timer); setState("paused", "paused"); }
      return;
    }
    if (event.target === showNoCase) { render(null); return; }
    latest = null; previousTop = null; opened = {}; generation += 1;
    history.replaceState(null, "", "?" + params().toString());
    poll();
  });
  filters.addEventListener("submit", function (event) { event.preventDefault(); });
  if (first && first.requests) {  // the server's first rows: take over from them, poll for what is new
    rows = first.requests;
    latest = first.latest;
    previousTop = latest;
    render(null);
    schedule();
  } else {
    poll();
  }
})();

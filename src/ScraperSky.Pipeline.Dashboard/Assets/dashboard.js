// ScraperSky.Pipeline dashboard: live values over server-sent events (paused while the tab is hidden), throughput
// since the page opened, and the rows page's bulk actions (exact count, confirmation, progress). No framework.
(function () {
  "use strict";
  var opened = Date.now();
  var source = null;
  var live = true;
  var toggle = document.getElementById("live-toggle");
  var status = document.getElementById("live-status");

  function apply(snapshot) {
    var v = snapshot.v || {}, f = snapshot.f || {};
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var key = el.getAttribute("data-live");
      if (Object.prototype.hasOwnProperty.call(v, key) && el.textContent !== v[key]) { el.textContent = v[key]; }
    });
    document.querySelectorAll("[data-live-flag]").forEach(function (el) {
      var key = el.getAttribute("data-live-flag");
      if (Object.prototype.hasOwnProperty.call(f, key)) { el.hidden = !f[key]; }
    });
    document.querySelectorAll("[data-live-title]").forEach(function (el) {
      var key = el.getAttribute("data-live-title");
      if (Object.prototype.hasOwnProperty.call(v, key)) { el.title = v[key]; }
    });
    document.querySelectorAll("[data-live-at]").forEach(function (el) { el.textContent = snapshot.at; });
    document.querySelectorAll("[data-throughput]").forEach(function (el) {
      var done = Number(v[el.getAttribute("data-throughput")]);
      if (isNaN(done)) { return; }
      if (el.getAttribute("data-start") === "") { el.setAttribute("data-start", String(done)); }
      var seconds = (Date.now() - opened) / 1000;
      var rate = (done - Number(el.getAttribute("data-start"))) / Math.max(seconds, 1);
      el.textContent = (rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString("en-US")) + " rows/s";
    });
    var hosts = document.querySelector("[data-live-hosts]");
    if (hosts && snapshot.hosts) {
      hosts.replaceChildren.apply(hosts, snapshot.hosts.map(function (cells) {
        var tr = document.createElement("tr");
        cells.forEach(function (cell) { var td = document.createElement("td"); td.textContent = cell; tr.appendChild(td); });
        return tr;
      }));
    }
  }

  function connect() {
    if (source || !live || document.hidden || !window.EventSource) { return; }
    source = new EventSource(document.body.getAttribute("data-events"));
    source.onmessage = function (e) { apply(JSON.parse(e.data)); status.classList.remove("stale"); };
    source.onerror = function () { status.classList.add("stale"); };
  }

  function disconnect() { if (source) { source.close(); source = null; } }

  if (toggle) {
    toggle.addEventListener("click", function () {
      live = !live;
      toggle.setAttribute("aria-pressed", String(live));
      toggle.textContent = live ? "Live" : "Paused";
      if (live) { connect(); } else { disconnect(); }
    });
  }
  document.addEventListener("visibilitychange", function () { if (document.hidden) { disconnect(); } else { connect(); } });
  connect();

  // Rows page: bulk re-queue and cancel.
  var bulk = document.getElementById("bulk");
  if (!bulk) { return; }
  var query = bulk.getAttribute("data-query");
  var confirmBox = document.getElementById("bulk-confirm");
  var question = document.getElementById("bulk-question");
  var progress = document.getElementById("bulk-progress");
  var pending = null;
  var selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll("input.select").forEach(function (box) { box.checked = selectAll.checked; });
    });
  }

  function say(text) { progress.hidden = false; progress.textContent = text; }
  function verb(action, past) { return action === "cancel" ? (past ? "Cancelled" : "Cancel") : (past ? "Re-queued" : "Re-queue"); }
  function token() {
    return [document.querySelector("meta[name='pipeline-token-field']").content, document.querySelector("meta[name='pipeline-token']").content];
  }

  bulk.querySelectorAll("button[data-bulk]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.getAttribute("data-bulk"), scope = button.getAttribute("data-scope");
      if (scope === "selection") {
        var keys = Array.prototype.map.call(document.querySelectorAll("input.select:checked"), function (box) { return box.value; });
        if (keys.length === 0) { say("Select rows first."); return; }
        ask(action, scope, keys, keys.length, keys.length + " selected rows");
        return;
      }
      say("Counting matching rows…");
      fetch("./count?" + query + "&action=" + action, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (body) { if (!r.ok) { throw new Error(body.error || r.statusText); } return body; }); })
        .then(function (body) {
          if (body.count === 0) { say("No rows match: nothing to " + verb(action, false).toLowerCase() + "."); return; }
          progress.hidden = true;
          ask(action, scope, [], body.count, body.count.toLocaleString("en-US") + " matching rows");
        })
        .catch(function (e) { say("Counting failed: " + e.message); });
    });
  });

  function ask(action, scope, keys, total, what) {
    pending = { action: action, scope: scope, keys: keys, total: total };
    question.textContent = verb(action, false) + " " + what + "?";
    confirmBox.hidden = false;
    document.getElementById("bulk-yes").focus();
  }

  document.getElementById("bulk-no").addEventListener("click", function () { pending = null; confirmBox.hidden = true; });
  document.getElementById("bulk-yes").addEventListener("click", function () {
    if (!pending) { return; }
    var job = pending;
    pending = null;
    confirmBox.hidden = true;
    var body = new URLSearchParams(query);
    body.append("scope", job.scope);
    job.keys.forEach(function (k) { body.append("key", k); });
    var t = token();
    body.append(t[0], t[1]);
    say(verb(job.action, false) + "ing " + job.total.toLocaleString("en-US") + " rows…");
    fetch("./" + job.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) { throw new Error(b.error || r.statusText); } return b; }); })
      .then(function (b) { poll(b.id, job); })
      .catch(function (e) { say(verb(job.action, false) + " failed: " + e.message); });
  });

  function poll(id, job) {
    fetch("./operation?id=" + encodeURIComponent(id), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (op) {
        if (op.error) { say(verb(job.action, true) + " " + op.done.toLocaleString("en-US") + " rows, then stopped: " + op.error); return; }
        if (!op.finished) {
          say(verb(job.action, true) + " " + op.done.toLocaleString("en-US") + " of " + job.total.toLocaleString("en-US") + " rows…");
          window.setTimeout(function () { poll(id, job); }, 400);
          return;
        }
        progress.hidden = false;
        progress.textContent = verb(job.action, true) + " " + op.done.toLocaleString("en-US") + " rows. ";
        var again = document.createElement("a");
        again.href = location.href;
        again.textContent = "Reload the list";
        progress.appendChild(again);
        progress.setAttribute("data-finished", "true");
      })
      .catch(function (e) { say("Lost track of the operation: " + e.message); });
  }
})();

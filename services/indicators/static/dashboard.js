// Live updates for the coordinator dashboard (progressive enhancement: the page works without it).
// Each `indicator` event from the server carries what the page shows of that indicator: its
// at-a-glance row and its card, rendered on the server from one read. The page swaps them in
// from the message alone (it fetches nothing), updates the Bench pipeline and the table's
// summary, keeps what is behind first, and a polite live region says what changed.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.EventSource) { return; }
  var year = root.getAttribute("data-year");
  var lang = root.getAttribute("data-lang");
  var status = document.getElementById("live-status");
  var ORDER = { behind: 0, no_data: 1, on_track: 2, met: 3 };

  function element(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function swapCard(anchor, html) {
    var old = document.getElementById(anchor);
    var fresh = element(html);
    if (!old || !fresh) { return; }
    // A form someone has opened keeps what they typed; the rest of the card is new.
    var form = old.querySelector("details.manual[open]");
    var freshForm = fresh.querySelector("details.manual");
    if (form && freshForm) { freshForm.replaceWith(form); }
    fresh.setAttribute("data-updated", "true");
    old.replaceWith(fresh);
  }

  function swapRow(anchor, html) {
    var old = document.getElementById("glance-" + anchor);
    var fresh = element("<table><tbody>" + html + "</tbody></table>");
    fresh = fresh && fresh.querySelector("tr");
    if (!old || !fresh) { return; }
    fresh.setAttribute("data-updated", "true");
    old.replaceWith(fresh);
    var body = fresh.parentNode;
    var rows = Array.prototype.slice.call(body.querySelectorAll("tr"));
    rows.sort(function (a, b) {
      var sa = ORDER[a.getAttribute("data-status")], sb = ORDER[b.getAttribute("data-status")];
      if (sa !== sb) { return sa - sb; }
      return Number(a.getAttribute("data-position")) - Number(b.getAttribute("data-position"));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    summarise(rows);
  }

  // "behind: 3 · no data: 2 · …" as the server writes it, counted from the rows.
  function summarise(rows) {
    var summary = document.getElementById("glance-summary");
    if (!summary) { return; }
    var counts = {}, words = {};
    rows.forEach(function (row) {
      var state = row.getAttribute("data-status");
      var word = row.querySelector(".status__word");
      counts[state] = (counts[state] || 0) + 1;
      if (word) { words[state] = word.textContent; }
    });
    summary.textContent = ["behind", "no_data", "on_track", "met"].filter(function (s) {
      return counts[s];
    }).map(function (s) { return words[s] + ": " + counts[s]; }).join(" · ");
  }

  var query = "?year=" + encodeURIComponent(year) + "&lang=" + encodeURIComponent(lang);
  var source = new EventSource("/dashboard/stream" + query);
  source.addEventListener("ready", function () { root.setAttribute("data-live", "on"); });
  source.addEventListener("error", function () { root.setAttribute("data-live", "reconnecting"); });
  source.addEventListener("indicator", function (event) {
    var data = JSON.parse(event.data);
    var anchor = data.id.replace(/\./g, "-");
    if (data.card) { swapCard(anchor, data.card); }
    if (data.row) { swapRow(anchor, data.row); }
    if (data.id.indexOf("bench.questions_") === 0) {
      var figure = document.getElementById("pipeline-" + data.id.slice("bench.questions_".length));
      if (figure) { figure.textContent = data.shown; }
    }
    announce(data.name + ": " + data.shown + " (" + data.status_text + ")");
  });

  // One question changes several indicators at once: say them together, once.
  var said = [], sayTimer = null;
  function announce(text) {
    said.push(text);
    if (sayTimer) { return; }
    sayTimer = setTimeout(function () {
      status.textContent = said.join("; ");
      said = [];
      sayTimer = null;
    }, 300);
  }
})();

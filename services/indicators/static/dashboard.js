// Live updates for the coordinator dashboard (progressive enhancement: the page works without it).
// On each `indicator` event from the server, the indicator's card (and the Bench pipeline, and
// the at-a-glance table) is fetched again as server-rendered HTML and swapped in; a polite live region says what changed.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.EventSource || !window.fetch) { return; }
  var year = root.getAttribute("data-year");
  var lang = root.getAttribute("data-lang");
  var status = document.getElementById("live-status");
  var query = "?year=" + encodeURIComponent(year) + "&lang=" + encodeURIComponent(lang);
  var objective = root.getAttribute("data-objective") || "";
  var glanceTimer = null;

  // The at-a-glance table: one read of the year's values, at most every half second.
  function refreshGlance() {
    if (glanceTimer) { return; }
    glanceTimer = setTimeout(function () {
      glanceTimer = null;
      swap("glance", "/dashboard/glance" + query + (objective ? "&objective=" + encodeURIComponent(objective) : ""));
    }, 500);
  }

  function swap(id, url) {
    return fetch(url, { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) { throw new Error(resp.status); }
      return resp.text();
    }).then(function (html) {
      var old = document.getElementById(id);
      if (!old) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#" + id) || holder.firstElementChild;
      if (fresh) { old.replaceWith(fresh); }
    });
  }

  var source = new EventSource("/dashboard/stream" + query);
  source.addEventListener("ready", function () { root.setAttribute("data-live", "on"); });
  source.addEventListener("error", function () { root.setAttribute("data-live", "reconnecting"); });
  source.addEventListener("indicator", function (event) {
    var data = JSON.parse(event.data);
    var anchor = data.id.replace(/\./g, "-");
    swap(anchor, "/dashboard/indicators/" + encodeURIComponent(data.id) + "/card" + query).then(function () {
      var card = document.getElementById(anchor);
      if (card) { card.setAttribute("data-updated", "true"); }
      status.textContent = data.name + ": " + data.shown;
    });
    refreshGlance();
    if (data.id.indexOf("bench.questions_") === 0) {
      swap("pipeline-inner", "/dashboard/pipeline" + query);
    }
  });
})();

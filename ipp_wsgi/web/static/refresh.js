// Refresh job states in place every few seconds; the pages work the same without this script.
(function () {
  "use strict";
  var PERIOD = 5000;
  function refresh() {
    if (document.hidden || !document.querySelector("[data-job-id] [data-field=state]")) {
      return;
    }
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-job-id]").forEach(function (row) {
          var id = row.getAttribute("data-job-id");
          var now = fresh.querySelector('[data-job-id="' + id + '"] [data-field=state]');
          var cell = row.querySelector("[data-field=state]");
          if (now && cell && cell.innerHTML !== now.innerHTML) {
            cell.innerHTML = now.innerHTML;
          }
        });
      })
      .catch(function () { /* the next round tries again */ });
  }
  window.setInterval(refresh, PERIOD);
}());

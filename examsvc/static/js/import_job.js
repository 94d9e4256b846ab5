// The background import's page: ask the server how the job stands every few seconds, move the
// progress bar, and load the page again once the job is finished (the page then shows the result).
// Without script the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-job]");
  if (!box) { return; }
  var bar = box.querySelector("[data-progress]");
  var text = box.querySelector("[data-status-text]");
  var pollMs = parseInt(box.getAttribute("data-poll-ms"), 10) || 2000;

  function show(status) {
    if (status.percent === null) {
      bar.removeAttribute("value");  // an indeterminate bar while the file is being read
    } else {
      bar.value = status.percent;
      bar.textContent = status.percent + "%";
    }
    text.textContent = status.text;
    box.setAttribute("data-state", status.state);
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) { window.location.reload(); } else { window.setTimeout(poll, pollMs); }
      })
      .catch(function () { window.setTimeout(poll, pollMs * 2); });  // a flaky network: keep asking, less often
  }
  window.setTimeout(poll, pollMs);
}());

/*
 * Leaving the exam page: each time the page is hidden (another app, another tab, the phone
 * locked) or the window loses focus, and each time it comes back, the server is told once, and
 * records the time itself for the proctor. Nothing here affects answers or the score; a message
 * that cannot be sent is not retried, so the proctor's count is a lower bound, never an accusation.
 * Sent with keepalive, so the "left" message still goes when the page is being hidden. Closing
 * or reloading the page sends nothing.
 */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root || !root.dataset.focusUrl) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var away = false;
  // Closing or reloading the page is not leaving it: the page is going, and the next load says
  // where the candidate is. The spec fires pagehide before the last visibilitychange.
  var unloading = false;

  function tell(change) {
    try {
      fetch(root.dataset.focusUrl, {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({change: change})
      }).catch(function () { /* informational only: see above */ });
    } catch (e) { /* an old browser without fetch: nothing to record */ }
  }

  function left() { if (!away && !unloading) { away = true; tell("left"); } }
  function back() {
    if (away && document.visibilityState === "visible" && document.hasFocus()) { away = false; tell("back"); }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") left(); else back();
  });
  window.addEventListener("blur", left);
  window.addEventListener("focus", back);
  window.addEventListener("pagehide", function () { unloading = true; });
  window.addEventListener("beforeunload", function () { unloading = true; });
  // The server says when its record ends with a departure (the page was left, then closed or
  // reloaded): this load is the return.
  if (root.dataset.focusAway === "1" && document.visibilityState === "visible") tell("back");
})();

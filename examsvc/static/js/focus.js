/*
 * Leaving the exam page: each time the page is hidden (another app, another tab, the phone
 * locked) or the window loses focus, and each time it comes back, the server is told once, and
 * records the time itself for the proctor. Nothing here affects answers or the score; a message
 * that cannot be sent is not retried, so the proctor's count is a lower bound, never an accusation.
 * Sent with keepalive, so the "left" message still goes when the page is being hidden.
 */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root || !root.dataset.focusUrl) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var away = false;

  function tell(change) {
    try {
      fetch(root.dataset.focusUrl, {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({change: change})
      }).catch(function () { /* informational only: see above */ });
    } catch (e) { /* an old browser without fetch: nothing to record */ }
  }

  function left() { if (!away) { away = true; tell("left"); } }
  function back() {
    if (away && document.visibilityState === "visible" && document.hasFocus()) { away = false; tell("back"); }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") left(); else back();
  });
  window.addEventListener("blur", left);
  window.addEventListener("focus", back);
  window.addEventListener("pagehide", left);
  // A reload ends the previous page's absence: the server ignores a return that ends none.
  if (document.visibilityState === "visible") tell("back");
})();

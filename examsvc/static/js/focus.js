/*
 * Leaving the exam page: each time the page is hidden (another app, another tab, the phone
 * locked) or the window loses focus, and each time it comes back, the server is told once, and
 * records the time itself (when the message arrives) for the proctor. Nothing here affects answers
 * or the score; it is never punished automatically.
 * - Each message is named by this page load's token and its own number (1, 2, 3…) and queued, in
 *   order, until the server acknowledges it: one the network lost is sent again with back-off (and
 *   at once when the device is back online), and the server stores a resent message once. A
 *   "back" never overtakes the "left" before it.
 * - The queue is kept in localStorage like unsent answers: a reload or a crash resends what was
 *   not acknowledged under its own name; a page left with a "left" unsent is back once it loads.
 * - Sent with keepalive, so the "left" message still goes when the page is being hidden. Closing or
 *   reloading the page sends nothing.
 */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root || !root.dataset.focusUrl) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var storePrefix = "examsvc-focus-" + root.dataset.attempt + "-";
  var storeKey = storePrefix + root.dataset.writer;
  var away = false;
  // Closing or reloading the page is not leaving it: the page is going, and the next load says
  // where the candidate is. The spec fires pagehide before the last visibilitychange.
  var unloading = false;
  var number = 0;
  var queue = [];          // [{change, page, number}], oldest first: messages not acknowledged
  var sending = false;
  var failures = 0;
  var retryTimer = null;

  function persist() {
    try {
      if (queue.length) localStorage.setItem(storeKey, JSON.stringify(queue));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: memory only */ }
  }

  /* Messages earlier loads of this attempt's page never got acknowledged, oldest load first. */
  function restore() {
    var found = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key.indexOf(storePrefix) === 0 && key !== storeKey) found.push(key);
      }
    } catch (e) { return; }
    found.forEach(function (key) {
      try { queue = queue.concat(JSON.parse(localStorage.getItem(key) || "[]")); } catch (e) { /* unreadable: dropped */ }
      try { localStorage.removeItem(key); } catch (e) { /* already gone */ }
    });
    queue = queue.filter(function (m) { return m && m.page && m.number && (m.change === "left" || m.change === "back"); });
    persist();
  }

  /* A reply that a retry cannot change (the attempt is closed, a malformed message): stop sending it. */
  function settled(res) { return res.ok || res.status === 404 || res.status === 409 || res.status === 422; }

  function pump() {
    if (sending || !queue.length) return;
    var message = queue[0];
    sending = true;
    var sent;
    try {
      sent = fetch(root.dataset.focusUrl, {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify(message)
      });
    } catch (e) { sending = false; return; /* an old browser without fetch: nothing to record */ }
    sent.then(function (res) {
      if (!settled(res)) throw new Error("status " + res.status);
      if (queue[0] === message) queue.shift();
      persist();
      failures = 0;
      sending = false;
      pump();
    }).catch(function () {
      // Offline, a server error, or a session to sign in again: the same message later.
      failures += 1;
      sending = false;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(pump, Math.min(15000, 500 * Math.pow(2, failures)));
    });
  }

  function tell(change) {
    number += 1;
    queue.push({change: change, page: root.dataset.writer, number: number});
    persist();
    pump();
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
  window.addEventListener("online", function () { clearTimeout(retryTimer); pump(); });

  restore();
  // The server says its record ends with a departure (the page was left, then closed or reloaded),
  // or an earlier load's "left" is still on its way: this load is the return.
  var lastUnsent = queue.length ? queue[queue.length - 1].change : null;
  if ((root.dataset.focusAway === "1" || lastUnsent === "left") && document.visibilityState === "visible") tell("back");
  else pump();
})();

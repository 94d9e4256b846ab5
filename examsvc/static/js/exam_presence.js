/*
 * One active device (domain.md §6): only the page that holds the attempt may change answers.
 *
 * On load the page claims the attempt, naming the page this browser tab held it with before (kept
 * in sessionStorage, which a tab keeps across reloads and other tabs do not share), so a reload
 * is never asked. When another page holds it, the page stays read-only and asks "continue here?";
 * confirming takes the attempt over and the other page becomes read-only, saying why, as soon as
 * it saves or polls. The server decides, under the attempt's row lock: every worker agrees.
 *
 * A duplicated tab (the browser's "Duplicate", or a page opened from this one) copies the tab's
 * sessionStorage, and with it the page that holds the attempt, while sharing its session cookie:
 * the server cannot tell it from a reload. So the tab keeps {page, open} there, "open" while a
 * page of the tab is live (cleared on pagehide). A page that finds "open" set asks over a
 * BroadcastChannel whether that page is still live in another tab: if it answers, this is a
 * second tab, which claims as a new page and so is asked "continue here?"; if nothing answers
 * within ALIVE_WAIT_MS, it is a reload after a crash, and claims as the same tab. A page that takes
 * the attempt over says so on the channel, and the other tabs of the browser turn read-only at
 * once with the takeover message (other devices learn it from the server, as before).
 *
 * window.ExamPresence.init({post, onHeld, onLost, onClosed}) starts it; .lost() is called by the
 * autosave when the server refuses a save as "taken over".
 */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var d = root.dataset;
  var key = "examsvc-page-" + d.attempt;
  var banner = document.getElementById("held-elsewhere");
  var bannerText = document.getElementById("held-elsewhere-text");
  var dialog = document.getElementById("takeover-dialog");
  var hooks = null;
  var holding = false;
  /* How long a page waits for a live tab to answer before it takes a copied "open" for a crash. */
  var ALIVE_WAIT_MS = 600;
  var channel = null;
  try { channel = new BroadcastChannel("examsvc-attempt-" + d.attempt); } catch (e) { /* not supported */ }

  /* {page, open}: the page that held the attempt in this tab, and whether a page of the tab is live.
     A bare token is what pages before this kept. */
  function tabRecord() {
    var raw = null;
    try { raw = sessionStorage.getItem(key); } catch (e) { return { page: null, open: false }; }
    if (!raw) return { page: null, open: false };
    try {
      var found = JSON.parse(raw);
      if (found && typeof found === "object") {
        return { page: typeof found.page === "string" ? found.page : null, open: found.open === true };
      }
    } catch (e) { /* a bare token */ }
    return { page: raw, open: false };
  }
  function keep(page, open) {
    try { sessionStorage.setItem(key, JSON.stringify({ page: page, open: open })); } catch (e) { /* no storage: asked on reload */ }
  }

  /* tookOver: the page got the attempt back from another, which may have changed answers since. */
  function held(tookOver) {
    holding = true;
    keep(d.writer, true);
    banner.hidden = true;
    if (tookOver === true && channel) channel.postMessage({ type: "taken", page: d.writer });
    hooks.onHeld(tookOver === true);
  }

  function notHeld(text) {
    holding = false;
    bannerText.textContent = text;
    banner.hidden = false;
    hooks.onLost();
  }

  function ask() {
    notHeld(d.msgHeldElsewhere);
    if (dialog.showModal && !dialog.open) dialog.showModal();
  }

  /* The deadline has come while another page holds the attempt (409 "time_up"): it is being handed
     in from there, so this page stays read-only, says so, and offers no "continue here". The
     state poll takes it to the result once the attempt is closed. */
  function timeIsUp(text) {
    holding = false;
    if (dialog.open) dialog.close();
    // Not "hidden": the banner's button style would show it all the same.
    document.getElementById("take-back").style.display = "none";
    bannerText.textContent = text;
    banner.hidden = false;
    hooks.onLost();
  }

  /* Replies: held (200, held_here), asked (200, not held), time up (409 "time_up"), closed (other
     409s), anything else: let the autosave find out, since a save from a page that does not hold
     the attempt is refused anyway. */
  function send(url, body, onNotHeld, tookOver) {
    var hold = function () { held(tookOver); };
    return hooks.post(url, body).then(function (res) {
      if (res.status === 409) {
        return res.json().then(function (reply) {
          if (reply && reply.error === "time_up") timeIsUp(reply.message); else hooks.onClosed();
        }, function () { hooks.onClosed(); });
      }
      if (!res.ok) { hold(); return; }
      return res.json().then(function (reply) { if (reply.held_here) hold(); else onNotHeld(); });
    }, hold);
  }

  function takeOver() {
    if (dialog.open) dialog.close();
    send(d.takeoverUrl, { page: d.writer }, ask, true);
  }

  /* Another tab of this browser asks whether a page is live, or says it took the attempt over. */
  function onMessage(ev) {
    var m = ev.data || {};
    if (m.type === "alive?" && m.page === d.writer) channel.postMessage({ type: "alive", page: d.writer });
    if (m.type === "taken" && m.page !== d.writer && holding) lost();
  }

  /* The page that held the attempt in this tab, if this page may claim as that tab (a reload, or a
     crash); null when it is live in another tab (this tab is a copy of it). */
  function sameTab(record) {
    if (!record.page || !record.open || !channel) return Promise.resolve(record.page);
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { channel.removeEventListener("message", answer); resolve(record.page); },
                             ALIVE_WAIT_MS);
      function answer(ev) {
        var m = ev.data || {};
        if (m.type !== "alive" || m.page !== record.page) return;
        clearTimeout(timer);
        channel.removeEventListener("message", answer);
        resolve(null);
      }
      channel.addEventListener("message", answer);
      channel.postMessage({ type: "alive?", page: record.page });
    });
  }

  function init(options) {
    hooks = options;
    document.getElementById("take-back").addEventListener("click", takeOver);
    document.getElementById("takeover-confirm").addEventListener("click", takeOver);
    document.getElementById("takeover-cancel").addEventListener("click", function () { dialog.close(); });
    var record = tabRecord();
    if (channel) channel.addEventListener("message", onMessage);
    // This tab's page is live from now on; a page closed or reloaded clears it (pagehide).
    keep(record.page, true);
    window.addEventListener("pagehide", function () { keep(tabRecord().page, false); });
    window.addEventListener("pageshow", function (ev) { if (ev.persisted) keep(tabRecord().page, true); });
    sameTab(record).then(function (previous) {
      send(d.presenceUrl, { page: d.writer, previous: previous }, ask);
    });
  }

  /* Another page took the attempt over: read-only, and say so. */
  function lost() { notHeld(d.msgTakenOver); }

  window.ExamPresence = { init: init, lost: lost };
})();

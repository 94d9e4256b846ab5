/*
 * One active device (domain.md §6): only the page that holds the attempt may change answers.
 *
 * On load the page claims the attempt, naming the page this browser tab held it with before (kept
 * in sessionStorage, which a tab keeps across reloads and other tabs do not share), so a reload
 * is never asked. When another page holds it, the page stays read-only and asks "continue here?";
 * confirming takes the attempt over and the other page becomes read-only, saying why, as soon as
 * it saves or polls. The server decides, under the attempt's row lock: every worker agrees.
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

  function previousPage() { try { return sessionStorage.getItem(key); } catch (e) { return null; } }
  function remember() { try { sessionStorage.setItem(key, d.writer); } catch (e) { /* no storage: asked on reload */ } }

  /* tookOver: the page got the attempt back from another, which may have changed answers since. */
  function held(tookOver) {
    remember();
    banner.hidden = true;
    hooks.onHeld(tookOver === true);
  }

  function notHeld(text) {
    bannerText.textContent = text;
    banner.hidden = false;
    hooks.onLost();
  }

  function ask() {
    notHeld(d.msgHeldElsewhere);
    if (dialog.showModal && !dialog.open) dialog.showModal();
  }

  /* Replies: held (200, held_here), asked (200, not held), closed (409), anything else: let the
     autosave find out, since a save from a page that does not hold the attempt is refused anyway. */
  function send(url, body, onNotHeld, tookOver) {
    var hold = function () { held(tookOver); };
    return hooks.post(url, body).then(function (res) {
      if (res.status === 409) { hooks.onClosed(); return; }
      if (!res.ok) { hold(); return; }
      return res.json().then(function (reply) { if (reply.held_here) hold(); else onNotHeld(); });
    }, hold);
  }

  function takeOver() {
    if (dialog.open) dialog.close();
    send(d.takeoverUrl, { page: d.writer }, ask, true);
  }

  function init(options) {
    hooks = options;
    document.getElementById("take-back").addEventListener("click", takeOver);
    document.getElementById("takeover-confirm").addEventListener("click", takeOver);
    document.getElementById("takeover-cancel").addEventListener("click", function () { dialog.close(); });
    send(d.presenceUrl, { page: d.writer, previous: previousPage() }, ask);
  }

  /* Another page took the attempt over: read-only, and say so. */
  function lost() { notHeld(d.msgTakenOver); }

  window.ExamPresence = { init: init, lost: lost };
})();

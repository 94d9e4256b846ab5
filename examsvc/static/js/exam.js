/*
 * The exam page: autosave queue and countdown.
 *
 * - Every change is queued as {slot, answer, seq}; "saved" is shown only after the server's 200,
 *   which it sends after committing. A failed save is retried with back-off and the page says
 *   "not saved, retrying" until it goes through. Unsent saves are kept in localStorage, so a
 *   reload or a crash while offline resends them.
 * - seq rises with every change and continues above the server's last_seq after a reload; the
 *   server keeps the highest, so retries and late arrivals are harmless.
 * - The countdown is the server's remaining seconds measured against performance.now(), a
 *   monotonic clock: a wrong device clock or a throttled background tab cannot stretch it, and it
 *   re-syncs with the server every 30 s and whenever the tab becomes visible again.
 */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var d = root.dataset;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var storeKey = "examsvc-pending-" + d.attempt;
  var seq = Number(d.lastSeq) || 0;
  var pending = {};          // slot -> {answer, seq}, not yet acknowledged
  var inFlight = false;
  var failures = 0;
  var finished = false;
  var remainingAtSync = Number(d.remaining);
  var syncedAt = performance.now();
  var timerEl = document.getElementById("timer");
  var stateEl = document.getElementById("save-state");

  function fmt(template, key, value) { return template.replace("%(" + key + ")s", value); }

  function slotEl(slot) { return document.getElementById("q" + slot); }

  function setSlotState(slot, state) {
    var el = slotEl(slot);
    if (!el) return;
    var badge = el.querySelector(".slot-state");
    badge.dataset.state = state;
    badge.textContent = state ? d["msgSlot" + state.charAt(0).toUpperCase() + state.slice(1)] : "";
  }

  function setGlobal(state, text) {
    stateEl.dataset.state = state;
    stateEl.textContent = text || d["msg" + state.charAt(0).toUpperCase() + state.slice(1)];
  }

  function answerOf(slot) {
    var el = slotEl(slot);
    var checked = Array.prototype.filter.call(el.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
    if (el.dataset.type === "true_false") return checked.length ? checked[0] : "";
    return checked.sort();
  }

  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode: memory only */ }
  }

  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { saved = {}; }
    Object.keys(saved).forEach(function (slot) {
      var entry = saved[slot];
      if (!entry || entry.seq <= Number(d.lastSeq) || !slotEl(slot)) return;
      pending[slot] = entry;
      seq = Math.max(seq, entry.seq);
      var values = Array.isArray(entry.answer) ? entry.answer : [entry.answer];
      slotEl(slot).querySelectorAll("input").forEach(function (i) { i.checked = values.indexOf(i.value) !== -1; });
      setSlotState(slot, "saving");
    });
    persist();
  }

  function markCard(slot) {
    var card = root.querySelector('[data-card="' + slot + '"]');
    var a = answerOf(slot);
    if (card) card.classList.toggle("answered", Boolean(a && a.length));
    var done = root.querySelectorAll(".answer-card a.answered").length;
    document.getElementById("answered-count").textContent = done + " / " + root.querySelectorAll(".question").length;
  }

  function queue(slot) {
    markCard(slot);
    seq += 1;
    pending[slot] = { answer: answerOf(slot), seq: seq };
    persist();
    setSlotState(slot, "saving");
    if (failures === 0) setGlobal("saving");
    pump();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
  }

  function goToResult() {
    finished = true;
    try { localStorage.removeItem(storeKey); } catch (e) { /* nothing to clean */ }
    window.location.href = d.resultUrl;
  }

  function pump() {
    if (inFlight || finished) return;
    var slots = Object.keys(pending);
    if (!slots.length) { failures = 0; setGlobal("saved"); return; }
    var slot = slots[0];
    var entry = pending[slot];
    inFlight = true;
    post(d.saveUrl, { slot: Number(slot), answer: entry.answer, seq: entry.seq }).then(function (res) {
      if (res.ok) {
        if (pending[slot] && pending[slot].seq === entry.seq) { delete pending[slot]; setSlotState(slot, "saved"); }
        persist();
        failures = 0;
        return;
      }
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.status === 409) { goToResult(); return; }
        if (res.status === 422 || res.status === 400) {
          // Refused for a reason retrying will not fix: say so, keep the choice on screen.
          delete pending[slot]; persist();
          setSlotState(slot, "retrying");
          setGlobal("retrying", fmt(d.msgRefused, "reason", body.message || res.status));
          return;
        }
        throw new Error("status " + res.status);
      });
    }).catch(function () {
      failures += 1;
      setGlobal("retrying");
      setSlotState(slot, "retrying");
      return new Promise(function (resolve) { setTimeout(resolve, Math.min(15000, 500 * Math.pow(2, failures))); });
    }).then(function () {
      inFlight = false;
      pump();
    });
  }

  function remaining() { return Math.max(0, remainingAtSync - (performance.now() - syncedAt) / 1000); }

  function tick() {
    var left = Math.ceil(remaining());
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    timerEl.textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
    timerEl.classList.toggle("low", left <= 300);
    if (left <= 0 && !finished) submit(true);
  }

  function sync() {
    if (finished) return;
    fetch(d.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (!body) return;
        if (body.state !== "in_progress") { goToResult(); return; }
        remainingAtSync = body.remaining_s;
        syncedAt = performance.now();
      }).catch(function () { /* offline: keep counting from the last sync */ });
  }

  function unanswered() {
    return Array.prototype.filter.call(root.querySelectorAll(".question"), function (q) {
      var a = answerOf(q.dataset.slot);
      return !a || !a.length;
    }).map(function (q) { return q.dataset.slot; });
  }

  function submit(timeUp) {
    if (finished) return;
    finished = true;
    if (timeUp) setGlobal("saving", d.msgTimeUp);
    var answers = {};
    Object.keys(pending).forEach(function (slot) { answers[slot] = pending[slot].answer; });
    var attemptSubmit = function (tries) {
      post(d.submitUrl, { answers: answers }).then(function (res) {
        if (res.ok || res.status === 409) { goToResult(); return; }
        throw new Error("status " + res.status);
      }).catch(function () {
        setGlobal("retrying");
        setTimeout(function () { attemptSubmit(tries + 1); }, Math.min(15000, 1000 * Math.pow(2, tries)));
      });
    };
    attemptSubmit(0);
  }

  root.addEventListener("change", function (ev) {
    var q = ev.target.closest(".question");
    if (q && !finished) queue(q.dataset.slot);
  });

  var dialog = document.getElementById("submit-dialog");
  document.getElementById("submit-open").addEventListener("click", function () {
    var missing = unanswered();
    document.getElementById("submit-summary").textContent = missing.length
      ? fmt(d.msgUnanswered, "list", missing.join(", ")) : d.msgAllAnswered;
    if (dialog.showModal) dialog.showModal(); else if (window.confirm(document.getElementById("submit-summary").textContent)) submit(false);
  });
  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("submit-confirm").addEventListener("click", function () { dialog.close(); submit(false); });

  window.addEventListener("beforeunload", function (ev) {
    if (!finished && Object.keys(pending).length) { ev.preventDefault(); ev.returnValue = d.msgLeave; }
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sync(); });
  window.addEventListener("online", pump);

  restore();
  root.querySelectorAll(".question").forEach(function (q) { markCard(q.dataset.slot); });
  pump();
  tick();
  setInterval(tick, 500);
  setInterval(sync, 30000);
})();

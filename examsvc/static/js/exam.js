/*
 * The exam page: autosave queue and countdown.
 *
 * - Every change is queued as {slot, answer, seq, writer}; "saved" is shown only after the
 *   server's 200, which it sends after committing. A save that fails for a passing reason is
 *   retried with back-off and the page says "not saved, retrying" until it goes through.
 * - This load of the page is one writer (a token the server put in data-writer) numbering its
 *   changes 1, 2, 3…; the server stores a retried (writer, number) once and never lets an older
 *   change of this page undo a newer one.
 * - No lost update between pages (case C-18): each slot has a version (data-version, then every
 *   reply and poll); a change carries the version the page last saw as its base. The server
 *   refuses (409 "stale") a change based on an older version than another page stored, and says
 *   what it holds: the page then shows that answer, marks the slot "changed on another device"
 *   and adds a notice naming the change it did not take. The submit carries the same bases.
 * - Every change is kept in localStorage the moment it is made, a typed one at every keystroke
 *   (one entry per page load, so tabs never overwrite each other; slot -> change with its number),
 *   with its base and the time it was made, so a reload, a tab closed, a crash or a lost session
 *   resends them under the writer and number they were made with: a resend can never count twice,
 *   and one the server finds older than what it holds is dropped with a notice saying how old it
 *   was. Only the server can tell: a newer version may be this device's own.
 * - Every state poll brings the stored answers: a slot another page changed is shown as stored
 *   and marked "changed on another device", so the screen always shows what will be scored.
 * - One active device (exam_presence.js): nothing is sent until the server says this page holds
 *   the attempt; every save and the submit name the sending page; a page taken over turns
 *   read-only and keeps its unsent changes, which are judged by the rule above if it takes the
 *   attempt back.
 * - Changes are sent promptly: a choice at once, typed text once typing pauses briefly, and
 *   everything unsent when a field is left, the page is hidden or it is closed (a keepalive
 *   request, which outlives the page). "Saved" is shown only after the server acknowledged.
 * - When the session has ended (400 CSRF or 401), nothing is dropped: the page says so and keeps
 *   the changes until the person has signed in again and reloaded.
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
  // One key per page load, so two tabs never overwrite each other's unsent changes.
  var storePrefix = "examsvc-pending-" + d.attempt + "-";
  var storeKey = storePrefix + d.writer;
  var seq = 0;
  var pending = {};        // slot -> {answer, seq, writer}: changes the server has not acknowledged
  var refused = {};        // slot -> message: changes the server refused for good (422)
  var inFlight = false;
  var failures = 0;
  var signedOut = false;
  var notAdmitted = "";    // why the server refuses this device's saves (outside the exam room's network)
  var submitting = false;
  var ackedAt = {};        // slot -> performance.now() of this page's last acknowledged save
  var versions = {};       // slot -> the slot's version this page last saw (the base of its next change)
  root.querySelectorAll(".question").forEach(function (q) { versions[q.dataset.slot] = Number(q.dataset.version) || 0; });
  var finished = false;
  var heldHere = false;    // the server says this page holds the attempt (one active device)
  var heldElsewhere = false; // the server says another page holds it: changes here are not saved
  var remainingAtSync = Number(d.remaining);
  var syncedAt = performance.now();
  /* The server's time now, in ms since the epoch: its last word (the page, then every poll) plus the
     monotonic time since. The device's clock (Date.now) is never read: a phone whose clock is set
     back or forward mid-exam must neither misorder its kept changes nor misstate their age (SEC-F2). */
  var serverTimeAt = Date.parse(d.serverTime) || Date.now();  // the device's clock only if the page has no time
  var serverTimeRead = performance.now();
  function serverNow() { return serverTimeAt + (performance.now() - serverTimeRead); }
  /* Kept changes are ordered by a counter of this device's changes to the attempt, kept in
     localStorage across tabs and reloads, never by a clock. */
  var orderKey = "examsvc-order-" + d.attempt;
  var lastOrder = 0;
  function nextOrder() {
    var stored = 0;
    try { stored = Number(localStorage.getItem(orderKey)) || 0; } catch (e) { /* memory only */ }
    lastOrder = Math.max(lastOrder, stored) + 1;
    try { localStorage.setItem(orderKey, String(lastOrder)); } catch (e) { /* memory only */ }
    return lastOrder;
  }
  /* Whether kept change a was made after b on this device: by their order, or, for changes kept by
     pages from before the order, by the time they were made. */
  function madeAfter(a, b) {
    if (typeof a.order === "number" && typeof b.order === "number") return a.order > b.order;
    return (a.at || 0) > (b.at || 0);
  }
  var timerEl = document.getElementById("timer");
  var stateEl = document.getElementById("save-state");
  var alertEl = document.getElementById("exam-alert");
  var submitButtons = Array.prototype.slice.call(root.querySelectorAll("[data-submit-open]"));

  function fmt(template, key, value) { return template.replace("%(" + key + ")s", value); }
  function slotEl(slot) { return document.getElementById("q" + slot); }
  function capital(word) { return word.charAt(0).toUpperCase() + word.slice(1); }

  function setSlotState(slot, state) {
    var el = slotEl(slot);
    if (!el) return;
    var badge = el.querySelector(".slot-state");
    badge.dataset.state = state;
    badge.textContent = state ? d["msgSlot" + capital(state)] : "";
  }

  function showAlert(text) {
    alertEl.textContent = text || "";
    alertEl.hidden = !text;
  }

  /* The one place that decides what the status pill says: "saved" only when nothing is pending,
     nothing was refused and the session is alive. */
  function renderState() {
    if (finished) return;  // handed in: the last word stays on screen
    if (signedOut) {
      stateEl.dataset.state = "retrying";
      stateEl.textContent = d.msgSignedOutShort;
      showAlert(d.msgSignedOut);
      return;
    }
    if (heldElsewhere && Object.keys(pending).length) {
      // Kept on this device, and sent only if the candidate continues here: say so plainly.
      stateEl.dataset.state = "retrying";
      stateEl.textContent = d.msgHeldElsewhereShort;
      return;
    }
    if (notAdmitted) {
      // Refused where the page is, not for what it holds: the changes stay queued and are retried.
      stateEl.dataset.state = "retrying";
      stateEl.textContent = d.msgRetrying;
      showAlert(notAdmitted);
      return;
    }
    var refusedSlots = Object.keys(refused);
    if (refusedSlots.length) {
      stateEl.dataset.state = "retrying";
      stateEl.textContent = fmt(d.msgRefused, "reason", refused[refusedSlots[0]]);
      return;
    }
    if (submitting) {
      stateEl.dataset.state = failures ? "retrying" : "saving";
      stateEl.textContent = failures ? d.msgNotSubmitted : d.msgSubmitting;
      return;
    }
    var busy = Object.keys(pending).length > 0;
    var state = !busy ? "saved" : failures ? "retrying" : "saving";
    stateEl.dataset.state = state;
    stateEl.textContent = d["msg" + capital(state)];
  }

  function answerOf(slot) {
    var el = slotEl(slot);
    if (isTyped(el)) return typedAnswerOf(el);
    var checked = Array.prototype.filter.call(el.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
    if (el.dataset.type === "true_false") return checked.length ? checked[0] : "";
    return checked.sort();
  }

  /* Typed answers (data-answer-form "blanks": one text per blank, in order; "text": one text).
     Every keystroke (every finished IME composition) is a change kept on this device at once, so
     nothing typed is lost to a reload, a closed tab or a crash; it is sent once typing pauses for
     SEND_PAUSE_MS (not a request per key) or as soon as the save before it is answered, and at
     once when the field is left or the page hidden. A poll never overwrites a field being typed
     in, and a half-composed syllable is never sent. */
  var sendTimer = null;
  var SEND_PAUSE_MS = 300;
  var A = window.ExamAnswers;
  var isTyped = A.isTyped, typedAnswerOf = A.typedAnswerOf, showTypedAnswer = A.showTypedAnswer,
    hasAnswer = A.hasAnswer, sameTyped = A.sameTyped, sameAnswer = A.sameAnswer;
  function isBeingTyped(q) { return isTyped(q) && q.contains(document.activeElement); }
  function sendSoon() {
    clearTimeout(sendTimer);
    sendTimer = setTimeout(function () { sendTimer = null; pump(); }, SEND_PAUSE_MS);
  }
  function whileTyping(ev) {
    var q = ev.target.closest(".question");
    if (!q || !isTyped(q) || submitting || finished || ev.isComposing) return;
    record(q.dataset.slot);
    sendSoon();
  }

  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode: memory only */ }
  }

  function storedKeys() {
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        if (localStorage.key(i).indexOf(storePrefix) === 0) keys.push(localStorage.key(i));
      }
    } catch (e) { /* storage unavailable */ }
    return keys;
  }

  function showAnswer(slot, answer) {
    var values = Array.isArray(answer) ? answer : [answer];
    if (isTyped(slotEl(slot))) showTypedAnswer(slotEl(slot), answer);
    else slotEl(slot).querySelectorAll("input").forEach(function (i) { i.checked = values.indexOf(i.value) !== -1; });
    markCard(slot);
  }

  /* Changes earlier loads of this page (any tab) made and never got acknowledged: show and resend
     them under the writer and number they were made with; of several for one slot, the newest on
     this device wins. */
  function restore() {
    storedKeys().forEach(function (key) {
      var saved;
      try { saved = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
      Object.keys(saved).forEach(function (slot) {
        var entry = saved[slot];
        if (!entry || !entry.writer || !slotEl(slot)) return;
        if (pending[slot] && !madeAfter(entry, pending[slot])) return;
        pending[slot] = entry;
      });
      if (key !== storeKey) { try { localStorage.removeItem(key); } catch (e) { /* already gone */ } }
    });
    Object.keys(pending).forEach(function (slot) { showAnswer(slot, pending[slot].answer); setSlotState(slot, "saving"); });
    persist();
  }

  function markCard(slot) {
    var card = root.querySelector('[data-card="' + slot + '"]');
    var a = answerOf(slot);
    if (card) card.classList.toggle("answered", hasAnswer(a));
    var done = root.querySelectorAll(".answer-card a.answered").length;
    var total = root.querySelectorAll(".question").length;
    document.getElementById("answered-count").textContent = done + " / " + total;
    window.ExamGuide.progress(done, total);
  }

  /* Make the slot's answer on screen a change of this page: numbered, based on the version the
     page last saw, and kept in storage before anything else happens. */
  function record(slot) {
    markCard(slot);
    seq += 1;
    // "order" orders this device's own unsent changes on a reload; "at" (server time, ms) says how old
    // one is when it is not taken. The server never sees either.
    pending[slot] = { answer: answerOf(slot), seq: seq, writer: d.writer, base: versions[slot] || 0, at: serverNow(),
                      order: nextOrder() };
    delete refused[slot];
    persist();
    setSlotState(slot, heldElsewhere ? "away" : "saving");
    renderState();
  }

  function queue(slot) {
    record(slot);
    pump();
  }

  /* keepalive: the request is finished even if the page is closed meanwhile (the browser caps such
     bodies at 64 KB; a longer one is sent as usual and stays kept on the device if it is lost). */
  var KEEPALIVE_MAX_CHARS = 60000;
  function post(url, body, keepalive) {
    var text = JSON.stringify(body);
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: Boolean(keepalive) && text.length < KEEPALIVE_MAX_CHARS,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: text
    });
  }

  function saveBody(slot, entry) {
    return { slot: Number(slot), answer: entry.answer, seq: entry.seq, writer: entry.writer, base: baseOf(entry),
             page: d.writer };
  }

  /* The page is being hidden or closed: send every change not acknowledged yet at once, each in a
     request that outlives the page. A reply that still arrives is handled as the queue's would be;
     one that does not leaves the change kept on the device, to be resent (and counted once) on the
     next load. */
  function sendAllNow() {
    clearTimeout(sendTimer);
    sendTimer = null;
    if (finished || signedOut || !heldHere || submitting) return;
    Object.keys(pending).forEach(function (slot) {
      var entry = pending[slot];
      post(d.saveUrl, saveBody(slot, entry), true).then(function (res) {
        return bodyOf(res).then(function (body) { onSaveReply(slot, entry, res, body); renderState(); });
      }).catch(function () { /* kept on the device; the queue retries */ });
    });
  }

  function goToResult() {
    finished = true;
    storedKeys().forEach(function (key) { try { localStorage.removeItem(key); } catch (e) { /* gone */ } });
    window.location.href = d.resultUrl;
  }

  /* The session is gone (signed out elsewhere, expired): 401, or 400 for a CSRF token that no
     longer matches a session. */
  function sessionEnded(res, body) { return res.status === 401 || (res.status === 400 && body.error === "csrf"); }

  function bodyOf(res) { return res.json().catch(function () { return {}; }); }

  /* Entries kept by a page from before slot versions had none: based on nothing stored. */
  function baseOf(entry) { return typeof entry.base === "number" ? entry.base : 0; }

  /* What the server said to one save; throws for a passing failure, which pump retries. */
  function onSaveReply(slot, entry, res, body) {
    if (res.status !== 403 && notAdmitted) { notAdmitted = ""; showAlert(""); }
    if (res.ok) {
      ackedAt[slot] = performance.now();
      if (body.stored) versions[slot] = body.stored.version;
      if (pending[slot] === entry) { delete pending[slot]; setSlotState(slot, "saved"); }
      persist();
      failures = 0;
      return;
    }
    if (res.status === 409 && body.error === "stale") { notTaken(slot, entry, body.stored); failures = 0; return; }
    // Kept pending (and in storage): sent again, and judged, only if this page takes the attempt back.
    // Until then it is not saved, and the page says so for the question and why (issue-9 trial).
    if (res.status === 409 && body.error === "taken_over") { window.ExamPresence.lost(); setSlotState(slot, "away"); return; }
    // Closed (handed in elsewhere, at the deadline, or voided by the proctor): the state says which.
    if (res.status === 409) { closedElsewhere(null); return; }
    if (sessionEnded(res, body)) { signedOut = true; setSlotState(slot, "retrying"); return; }
    // Not admitted from here (the sitting's allowed networks): say why, keep the change, retry.
    if (res.status === 403 && body.message) notAdmitted = body.message;
    if (res.status === 422 || res.status === 400) {
      // Refused for a reason a retry cannot fix: say so, and keep the choice on screen.
      if (pending[slot] === entry) delete pending[slot];
      refused[slot] = body.message || String(res.status);
      persist();
      setSlotState(slot, "retrying");
      return;
    }
    throw new Error("status " + res.status);
  }

  /* The server kept a newer answer from another page (case C-18): drop this change, and any later
     one of this page made on the same old version (the server would refuse it too), show what is
     stored and say which change was not taken, and how old it was. */
  function notTaken(slot, entry, stored) {
    versions[slot] = stored.version;
    if (pending[slot] && baseOf(pending[slot]) < stored.version) delete pending[slot];
    persist();
    if (!pending[slot]) { showAnswer(slot, stored.answer === null ? "" : stored.answer); setSlotState(slot, "elsewhere"); }
    window.ExamNotices.add(fmt(window.ExamNotices.agoText(entry.at, serverNow(), d.msgStaleNow, d.msgStale), "slot", slot));
  }

  /* Retries waiting out their back-off. The network coming back (or the phone waking up) sends
     them at once: waiting out a back-off of up to 15 s, a phone back online within the grace
     could still miss it (issue-9 trial, finding 4). */
  var waiting = [];
  function retryLater(ms, fn) {
    var entry = { fn: fn };
    entry.timer = setTimeout(function () {
      waiting = waiting.filter(function (w) { return w !== entry; });
      fn();
    }, ms);
    waiting.push(entry);
  }
  function retryNow() {
    var due = waiting;
    waiting = [];
    due.forEach(function (w) { clearTimeout(w.timer); w.fn(); });
  }

  function pump() {
    // A hand-in carries every unsent change itself: none is sent beside it.
    if (inFlight || finished || submitting || signedOut || !heldHere) return;
    var slots = Object.keys(pending);
    if (!slots.length) { failures = 0; renderState(); return; }
    var slot = slots[0];
    var entry = pending[slot];
    inFlight = true;
    post(d.saveUrl, saveBody(slot, entry))
      .then(function (res) {
        return bodyOf(res).then(function (body) { onSaveReply(slot, entry, res, body); });
      })
      .catch(function () {
        failures += 1;
        setSlotState(slot, "retrying");
        renderState();
        return new Promise(function (resolve) { retryLater(Math.min(15000, 500 * Math.pow(2, failures)), resolve); });
      })
      .then(function () {
        inFlight = false;
        renderState();
        pump();
      });
  }

  function remaining() { return Math.max(0, remainingAtSync - (performance.now() - syncedAt) / 1000); }

  function tick() {
    var left = Math.ceil(remaining());
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    timerEl.textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
    timerEl.classList.toggle("low", left <= 300);
    window.ExamGuide.tick(left);
    // A read-only page leaves the hand-in to the page holding the attempt (or the server's sweep).
    if (left <= 0 && heldHere && !submitting && !signedOut && !checkingDeadline) timeUp();
  }

  /* At zero, ask the server first: extra time may have been granted since the last poll. Only
     when the server agrees (or cannot be reached) does the page hand in what it has. */
  var checkingDeadline = false;
  function timeUp() {
    checkingDeadline = true;
    stateFetch().then(function (body) {
      checkingDeadline = false;
      if (body && body.state === "in_progress" && body.remaining_s > 0) { applyState(body, performance.now()); return; }
      if (body && body.state !== "in_progress") { closedElsewhere(body); return; }
      if (!signedOut) submit(true);
    }, function () { checkingDeadline = false; submit(true); });
  }

  /* Show what the server holds for slots another page (a second tab or device) changed: what is
     on screen here must be what will be scored. Slots this page is still saving, or saved after
     the poll left, are its own newer news. */
  function adopt(responses, storedVersions, sentAt) {
    root.querySelectorAll(".question").forEach(function (q) {
      var slot = q.dataset.slot;
      // A slot with a change on its way keeps the base that change was made on: the server judges it.
      if (pending[slot] || refused[slot] || (ackedAt[slot] || 0) > sentAt || isBeingTyped(q)) return;
      // From here on, a change here is made on what the screen shows: the stored version.
      versions[slot] = storedVersions[slot] || 0;
      var stored = Object.prototype.hasOwnProperty.call(responses, slot) ? responses[slot] : "";
      if (isTyped(q) ? sameTyped(stored, answerOf(slot)) : sameAnswer(stored, answerOf(slot))) return;
      showAnswer(slot, stored);
      setSlotState(slot, "elsewhere");
    });
  }

  var deadlineEl = document.getElementById("deadline");
  var shanghaiParts = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

  /* An ISO time as Beijing's date ("2026-05-12") and time ("00:20:00"). */
  function beijing(iso) {
    var p = {};
    shanghaiParts.formatToParts(new Date(iso)).forEach(function (part) { p[part.type] = part.value; });
    return { day: p.year + "-" + p.month + "-" + p.day, time: p.hour + ":" + p.minute + ":" + p.second };
  }

  /* The deadline as the server's page shows it (examsvc.formatting.deadline): the time alone when
     it falls on the server's today in Beijing, else the date too. "Today" is the server's, never the
     device's: a wrong device clock must not hide that the paper ends after midnight. */
  function deadlineText(deadlineIso, serverTimeIso) {
    var end = beijing(deadlineIso);
    return end.day === beijing(serverTimeIso).day ? end.time : end.day + " " + end.time;
  }

  /* The attempt's state from the server (null when signed out or refused); rejects when offline. */
  function stateFetch() {
    return fetch(d.stateUrl + "?page=" + encodeURIComponent(d.writer), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        if (res.status === 401) { signedOut = true; renderState(); return null; }
        return res.ok ? res.json() : null;
      });
  }

  function applyState(body, sentAt) {
    remainingAtSync = body.remaining_s;
    syncedAt = performance.now();
    serverTimeAt = Date.parse(body.server_time) || serverNow();
    serverTimeRead = syncedAt;
    // The server's deadline (it may have moved: extra time), in Beijing time whatever the device's zone.
    deadlineEl.textContent = deadlineText(body.deadline, body.server_time);
    if (body.responses && !submitting) adopt(body.responses, body.versions || {}, sentAt);
  }

  function sync() {
    if (finished) return;
    var sentAt = performance.now();
    stateFetch().then(function (body) {
      if (!body) return;
      if (body.state !== "in_progress") { closedElsewhere(body); return; }
      if (body.held_here === false && heldHere) window.ExamPresence.lost();
      applyState(body, sentAt);
    }).catch(function () { /* offline: keep counting from the last sync */ });
  }

  function unanswered() {
    return Array.prototype.filter.call(root.querySelectorAll(".question"), function (q) {
      return !hasAnswer(answerOf(q.dataset.slot));
    }).map(function (q) { return q.dataset.slot; });
  }

  /* Why changes were not taken, by the submit reply's payload_ignored: the notice's words and the
     questions' badge. Without a reason, another device had changed those answers (case C-18). */
  var NOT_TAKEN = {
    voided: { notice: "msgNotTakenVoided", badge: "voided" },
    deadline_passed: { notice: "msgNotTakenLate", badge: "late" },
    already_submitted: { notice: "msgNotTakenClosed", badge: "closed" },
    "": { notice: "msgNotTaken", badge: "elsewhere" }
  };

  /* Handed in, but some changes of this page were not taken (another device had changed those
     answers, the paper was already handed in, or time was up before they arrived): show what was
     kept and say which and why, then offer the result rather than leaving the page before the
     candidate could read it. body: {not_taken: [{slot, stored: {answer}}], payload_ignored, result_url}. */
  var toldNotTaken = false;
  function submittedWithout(body) {
    finished = true;
    // Said once: a hand-in sent again after its reply was lost is answered again (issue-9 trial).
    if (toldNotTaken) return;
    toldNotTaken = true;
    storedKeys().forEach(function (key) { try { localStorage.removeItem(key); } catch (e) { /* gone */ } });
    var why = NOT_TAKEN[body.payload_ignored || ""] || NOT_TAKEN[""];
    root.querySelectorAll(".question input, .question textarea").forEach(function (i) { i.disabled = true; });
    submitButtons.forEach(function (b) { b.disabled = true; });
    body.not_taken.forEach(function (n) {
      showAnswer(String(n.slot), n.stored.answer === null ? "" : n.stored.answer);
      setSlotState(String(n.slot), why.badge);
    });
    var slots = body.not_taken.map(function (n) { return n.slot; }).join(d.msgSep);
    showAlert("");
    stateEl.dataset.state = body.void ? "retrying" : "saved";
    stateEl.textContent = body.void ? d.msgVoidedShort : d.msgSubmitted;
    window.ExamNotices.add(voidedText(fmt(d[why.notice], "slots", slots), body.void),
                           { href: body.result_url || d.resultUrl, text: d.msgSeeResult });
  }

  /* A notice's text, led by who voided the exam, when (Beijing time, as the server wrote it) and
     why, when the proctor voided it (void: {by, at_local, reason} from the server), else as it is. */
  function voidedText(text, v) {
    if (!v) return text;
    return fmt(fmt(fmt(d.msgVoidedBy, "name", v.by), "time", v.at_local), "reason", v.reason) + " " + text;
  }

  /* The server says the attempt is closed (handed in on another device, by the proctor, at its
     deadline, or voided by the proctor: then it says who, when and why) while this page still holds changes it could not send: never drop them silently
     (issue-9 trial). The state the server reports (``known``, or asked for now) lists what is
     stored; each kept change that differs from it is named as not taken, with the reason. A page
     with nothing unsent goes to the result. An attempt found open again (re-opened by the proctor)
     keeps its changes and sends them. */
  function closedElsewhere(known) {
    // While this page hands in, its hand-in's reply says what was not taken and why.
    if (finished || submitting) return;
    if (!Object.keys(pending).length) { goToResult(); return; }
    finished = true;  // nothing more is sent from here while the server is asked
    var asked = known ? Promise.resolve(known) : stateFetch();
    asked.then(function (body) {
      if (!body) { goToResult(); return; }
      if (body.state === "in_progress") { finished = false; renderState(); pump(); return; }
      var stored = body.responses || {};
      var notTaken = [];
      Object.keys(pending).forEach(function (slot) {
        var held = Object.prototype.hasOwnProperty.call(stored, slot) ? stored[slot] : null;
        var same = isTyped(slotEl(slot)) ? sameTyped(held === null ? "" : held, pending[slot].answer)
          : sameAnswer(held === null ? "" : held, pending[slot].answer);
        if (!same) notTaken.push({ slot: Number(slot), stored: { answer: held } });
      });
      if (!notTaken.length) { goToResult(); return; }
      submittedWithout({ not_taken: notTaken, result_url: body.result_url, void: body.void,
                         payload_ignored: body.state === "closed_by_void" ? "voided"
                           : body.state === "auto_submitted" ? "deadline_passed" : "already_submitted" });
    }, function () { finished = false; renderState(); });
  }

  /* The submit was refused because another page holds the attempt: this page is not submitting. */
  function handBack() {
    submitting = false;
    root.classList.remove("submitting");
    showAlert("");
    pump();
  }

  /* Only the page holding the attempt takes changes and submits (one active device). */
  function setReadOnly(readOnly) {
    heldHere = !readOnly;
    root.classList.toggle("read-only", readOnly);
    var locked = readOnly || submitting || finished;
    root.querySelectorAll(".question input, .question textarea").forEach(function (i) { i.disabled = locked; });
    submitButtons.forEach(function (b) { b.disabled = locked; });
    renderState();
  }

  /* After a time-up hand-in the server refused as early: answers can be changed again. */
  function reopenInputs() { setReadOnly(!heldHere); }

  /* Submit once: no more changes on the page, the unacknowledged ones travel with the submit. */
  function submit(timeUp) {
    if (submitting) return;
    clearTimeout(sendTimer);
    submitting = true;
    root.classList.add("submitting");
    root.querySelectorAll(".question input, .question textarea").forEach(function (i) { i.disabled = true; });
    submitButtons.forEach(function (b) { b.disabled = true; });
    if (timeUp) showAlert(d.msgTimeUp);
    renderState();
    // Each unacknowledged change travels as its autosave would: the server applies the same rule.
    var answers = {};
    Object.keys(pending).forEach(function (slot) {
      var entry = pending[slot];
      answers[slot] = { answer: entry.answer, seq: entry.seq, writer: entry.writer, base: baseOf(entry) };
    });
    var attempt = function (tries) {
      post(d.submitUrl, { answers: answers, page: d.writer, time_up: Boolean(timeUp) }).then(function (res) {
        return bodyOf(res).then(function (body) {
          if (res.status === 409 && body.error === "taken_over") { handBack(); window.ExamPresence.lost(); return; }
          // The server's deadline has not come yet (this page counted fast): keep answering, and
          // count from the server's time; the page hands in again when it reaches zero.
          if (res.status === 409 && body.error === "not_due") { handBack(); reopenInputs(); sync(); return; }
          if (res.ok && body.not_taken && body.not_taken.length) { submittedWithout(body); return; }
          if (res.ok || res.status === 409) { goToResult(); return; }
          // Stay "submitting": after signing in again, a reload resumes (or shows the result).
          if (sessionEnded(res, body)) { signedOut = true; renderState(); return; }
          var failed = new Error("status " + res.status);
          // Refused from here (the sitting's allowed networks): the reason, not "retrying" alone.
          if (res.status === 403 && body.message) failed.reason = body.message;
          throw failed;
        });
      }).catch(function (err) {
        failures += 1;
        showAlert((err && err.reason) || d.msgSubmitWaiting);
        renderState();
        retryLater(Math.min(15000, 1000 * Math.pow(2, tries)), function () { attempt(tries + 1); });
      });
    };
    attempt(0);
  }

  root.addEventListener("change", function (ev) {
    var q = ev.target.closest(".question");
    if (!q || submitting || finished) return;
    var slot = q.dataset.slot;
    // Leaving a typed field: its last keystroke is already a kept change; send it now.
    if (isTyped(q) && pending[slot] && sameTyped(pending[slot].answer, answerOf(slot))) { pump(); return; }
    queue(slot);
  });
  root.addEventListener("input", whileTyping);
  root.addEventListener("compositionend", whileTyping);

  var dialog = document.getElementById("submit-dialog");
  var summary = document.getElementById("submit-summary");
  var missingLinks = document.getElementById("submit-missing");
  // The paper can be handed in from the sticky bar, the answer card and the foot of the paper.
  function openSubmit() {
    var missing = unanswered();
    summary.textContent = missing.length ? fmt(d.msgUnanswered, "count", missing.length) : d.msgAllAnswered;
    // Each unanswered question as a link that closes the dialog and goes there.
    missingLinks.textContent = "";
    missing.forEach(function (slot) {
      var link = document.createElement("a");
      link.href = "#q" + slot;
      link.textContent = slot;
      link.addEventListener("click", function () { dialog.close(); });
      missingLinks.appendChild(link);
    });
    if (dialog.showModal) dialog.showModal(); else if (window.confirm(summary.textContent)) submit(false);
  }
  submitButtons.forEach(function (b) { b.addEventListener("click", openSubmit); });
  document.getElementById("card-link").addEventListener("click", function () {
    document.getElementById("answer-card").open = true;
  });
  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("submit-confirm").addEventListener("click", function () { dialog.close(); submit(false); });

  window.addEventListener("beforeunload", function (ev) {
    if (!finished && Object.keys(pending).length) { ev.preventDefault(); ev.returnValue = d.msgLeave; }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { sendAllNow(); return; }
    retryNow();
    sync();
  });
  window.addEventListener("pagehide", sendAllNow);
  window.addEventListener("online", function () { retryNow(); pump(); });

  restore();
  root.querySelectorAll(".question").forEach(function (q) { markCard(q.dataset.slot); });
  renderState();
  window.ExamPresence.init({
    post: post,
    // After a takeover, show at once what the other page stored; a first claim has just rendered it.
    onHeld: function (tookOver) {
      heldElsewhere = false;
      Object.keys(pending).forEach(function (slot) { setSlotState(slot, "saving"); });
      setReadOnly(false); pump(); if (tookOver) sync();
    },
    onLost: function () {
      heldElsewhere = true;
      Object.keys(pending).forEach(function (slot) { setSlotState(slot, "away"); });
      setReadOnly(true);
    },
    onClosed: function () { closedElsewhere(null); }
  });
  tick();
  setInterval(tick, 500);
  setInterval(sync, 30000);
})();

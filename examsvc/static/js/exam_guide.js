/*
 * The exam page's way around the paper (issue 9, "a page older cadres can use on a phone"):
 *
 * - Time warnings for screen readers (case C-22): the countdown is not a live region (it would
 *   speak every second); at 5:00 and 1:00 a polite live region says so once each, and a page loaded
 *   or woken within the last five minutes says how many are left.
 * - A progress bar (answered / total), fed by exam.js whenever an answer changes on screen.
 * - Previous / next on every question, and a one-question-per-page mode the candidate can switch
 *   to; the answer card, the submit dialog's links and any #qN address show that question.
 * - "Mark for review" on every question, shown on the answer card.
 *
 * The mode, the question shown and the marks are this device's view of one attempt, kept in
 * localStorage under their own key; nothing here touches answers or the save protocol (exam.js).
 */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var d = root.dataset;
  var questions = Array.prototype.slice.call(root.querySelectorAll(".question"));
  var viewKey = "examsvc-view-" + d.attempt;
  var view = load();

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(viewKey) || "{}");
      return { single: saved.single === true, slot: String(saved.slot || ""), flags: Array.isArray(saved.flags) ? saved.flags.map(String) : [] };
    } catch (e) {
      return { single: false, slot: "", flags: [] };
    }
  }
  function keep() {
    try { localStorage.setItem(viewKey, JSON.stringify(view)); } catch (e) { /* private mode: this page only */ }
  }
  function fmt(template, values) {
    return Object.keys(values).reduce(function (text, key) { return text.replace("%(" + key + ")s", values[key]); }, template);
  }

  /* --- time warnings (C-22) --- */
  var warningEl = document.getElementById("time-warning");
  /* The 5-minute mark says the whole minutes really left: "5 minutes" when the count passes 5:00,
     "3 minutes" on a page loaded (a reload, another device) or woken (a phone whose screen slept)
     with 3:00 left (issue-9 trial: such a page said nothing, or "5 minutes" with three left). */
  var WARNINGS = [
    { at: 300, text: function (left) { return fmt(d.msgWarnMinutes, { minutes: Math.ceil(left / 60) }); } },
    { at: 60, text: function () { return d.msgWarnOne; } }
  ];
  var said = {};
  /* Called by exam.js on every tick with the whole seconds left. Each mark is said once, the first
     time the count is at or below it (a re-sync may move the count back: never said twice); when
     several are due at once, the nearest one speaks. Nothing is said at zero: the hand-in is. */
  function tick(left) {
    if (left <= 0) return;
    var due = WARNINGS.filter(function (w) { return !said[w.at] && left <= w.at; });
    if (!due.length) return;
    due.forEach(function (w) { said[w.at] = true; });
    warningEl.textContent = due[due.length - 1].text(left);
  }

  /* --- progress --- */
  var bar = document.getElementById("progress");
  var barLabel = document.getElementById("progress-label");
  function progress(done, total) {
    bar.max = total;
    bar.value = done;
    barLabel.textContent = fmt(d.msgProgress, { done: done, total: total });
  }

  /* --- marks for review --- */
  function cardOf(slot) { return root.querySelector('[data-card="' + slot + '"]'); }
  function showFlag(slot) {
    var on = view.flags.indexOf(slot) !== -1;
    var q = document.getElementById("q" + slot);
    q.querySelector(".flag").setAttribute("aria-pressed", String(on));
    q.classList.toggle("flagged", on);
    var card = cardOf(slot);
    card.classList.toggle("flagged", on);
    card.querySelector(".flag-note").textContent = on ? " " + d.msgFlagged : "";
  }
  function toggleFlag(slot) {
    var at = view.flags.indexOf(slot);
    if (at === -1) view.flags.push(slot); else view.flags.splice(at, 1);
    keep();
    showFlag(slot);
  }

  /* --- one question per page, previous / next --- */
  var modeButton = document.getElementById("page-mode");
  function indexOf(slot) {
    for (var i = 0; i < questions.length; i++) { if (questions[i].dataset.slot === slot) return i; }
    return -1;
  }
  function show(slot, focus) {
    var index = indexOf(slot);
    if (index === -1) index = 0;
    view.slot = questions[index].dataset.slot;
    keep();
    questions.forEach(function (q, i) { q.classList.toggle("current", i === index); });
    if (focus) {
      // Focus lands on the question itself so a screen reader starts reading from its stem.
      questions[index].focus({ preventScroll: true });
      questions[index].scrollIntoView({ block: "start" });
    }
  }
  function setSingle(single) {
    view.single = single;
    keep();
    root.classList.toggle("one-per-page", single);
    modeButton.setAttribute("aria-pressed", String(single));
    show(view.slot, false);
  }
  function step(from, by) {
    var next = questions[indexOf(from) + by];
    if (next) show(next.dataset.slot, true);
  }

  questions.forEach(function (q) {
    q.setAttribute("tabindex", "-1");
    q.querySelector(".flag").addEventListener("click", function () { toggleFlag(q.dataset.slot); });
    q.querySelectorAll("[data-go]").forEach(function (b) {
      b.addEventListener("click", function () { step(q.dataset.slot, b.dataset.go === "next" ? 1 : -1); });
    });
  });
  modeButton.addEventListener("click", function () { setSingle(!view.single); });
  // The answer card, the submit dialog's "unanswered" links and a typed #qN all go through the address.
  function followAddress() {
    var match = /^#q(\d+)$/.exec(window.location.hash);
    if (match && indexOf(match[1]) !== -1) show(match[1], true);
  }
  window.addEventListener("hashchange", followAddress);
  // A link to the question already in the address fires no hashchange: show it on the click.
  root.addEventListener("click", function (ev) {
    var link = ev.target.closest('a[href^="#q"]');
    var match = link && /^#q(\d+)$/.exec(link.getAttribute("href"));
    if (match && indexOf(match[1]) !== -1) show(match[1], false);
  });

  view.flags = view.flags.filter(function (slot) { return indexOf(slot) !== -1; });
  view.flags.forEach(showFlag);
  setSingle(view.single);
  followAddress();

  window.ExamGuide = { tick: tick, progress: progress };
})();

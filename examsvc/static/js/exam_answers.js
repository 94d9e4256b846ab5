/*
 * How the exam page reads and shows one question's answer, and compares two answers: choices are
 * the checked letters ("T"/"F" for true/false), typed answers one text per blank or one text.
 * Pure DOM helpers, shared by the autosave (exam.js) as window.ExamAnswers.
 */
(function () {
  "use strict";
  function isTyped(el) { return el.dataset.answerForm === "blanks" || el.dataset.answerForm === "text"; }
  function typedAnswerOf(el) {
    if (el.dataset.answerForm === "text") return el.querySelector("textarea").value;
    return Array.prototype.map.call(el.querySelectorAll("input[data-blank]"), function (i) { return i.value; });
  }
  function showTypedAnswer(el, answer) {
    if (el.dataset.answerForm === "text") { el.querySelector("textarea").value = typeof answer === "string" ? answer : ""; return; }
    var values = Array.isArray(answer) ? answer : [];
    el.querySelectorAll("input[data-blank]").forEach(function (i) { i.value = values[Number(i.dataset.blank)] || ""; });
  }
  function hasAnswer(a) {
    if (Array.isArray(a)) return a.some(function (v) { return String(v).trim() !== ""; });
    return typeof a === "string" ? a.trim() !== "" : Boolean(a);
  }
  /* Blanks keep their order, so typed answers compare as they are; nothing typed equals no answer. */
  function sameTyped(a, b) { return (!hasAnswer(a) && !hasAnswer(b)) || JSON.stringify(a) === JSON.stringify(b); }
  /* Choices compare as sets of letters; no answer ("" from the server, [] from the page) equals no
     answer, so an unanswered question is never taken for one changed elsewhere. */
  function sameAnswer(a, b) {
    if (!hasAnswer(a) && !hasAnswer(b)) return true;
    return JSON.stringify(Array.isArray(a) ? a.slice().sort() : (a || "")) ===
      JSON.stringify(Array.isArray(b) ? b.slice().sort() : (b || ""));
  }


  window.ExamAnswers = {
    isTyped: isTyped, typedAnswerOf: typedAnswerOf, showTypedAnswer: showTypedAnswer,
    hasAnswer: hasAnswer, sameTyped: sameTyped, sameAnswer: sameAnswer
  };
})();

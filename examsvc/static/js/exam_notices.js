/*
 * Notices on the exam page that must not vanish by themselves: a change of the candidate's that
 * the server did not take because the answer was changed on another device (case C-18), and the
 * answers a submit did not take. Each stays until the candidate closes it, so nothing the
 * candidate entered is dropped without telling them.
 *
 * window.ExamNotices.add(text, link) adds one; texts come from the page's translated data-msg-*.
 */
(function () {
  "use strict";
  var list = document.getElementById("exam-notices");
  if (!list) return;
  var closeLabel = list.dataset.msgClose;

  function add(text, link) {
    var item = document.createElement("li");
    var body = document.createElement("span");
    body.textContent = text;
    item.appendChild(body);
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(a);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "notice-close";
    close.textContent = closeLabel;
    close.addEventListener("click", function () {
      list.removeChild(item);
      list.hidden = !list.children.length;
    });
    item.appendChild(close);
    list.appendChild(item);
    list.hidden = false;
    return item;
  }

  /* How long before ``now`` a change was made, from its "at", in whole minutes, at least 1 ("about
     1 min ago"). Both are the server's time as the exam page reckons it (server time plus
     performance.now()), never the device's clock, which may have been changed since (SEC-F2). */
  function minutesAgo(at, now) { return at ? Math.max(1, Math.round((now - at) / 60000)) : 1; }

  window.ExamNotices = { add: add, minutesAgo: minutesAgo };
})();

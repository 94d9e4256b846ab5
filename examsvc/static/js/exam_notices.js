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

  /* How long before ``now`` a change was made, from its "at", in whole minutes rounded to the
     nearest (0 under half a minute, which the page says as "just now"); null when the change's
     time is unknown. Both are the server's time as the exam page reckons it (server time plus
     performance.now()), never the device's clock, which may have been changed since (SEC-F2). */
  function minutesAgo(at, now) { return at ? Math.max(0, Math.round((now - at) / 60000)) : null; }

  /* The words for a change made ``at`` (see minutesAgo): ``justNow`` under a minute (or when the
     time is unknown), else ``ago`` with %(minutes)s filled in, never "1 minute" for a few seconds
     (issue-9 trial: a change 5 s old was said to be "about 1 min" old). */
  function agoText(at, now, justNow, ago) {
    var elapsed = at ? now - at : 0;
    if (elapsed < 60000) return justNow;
    return ago.split("%(minutes)s").join(String(minutesAgo(at, now)));
  }

  window.ExamNotices = { add: add, minutesAgo: minutesAgo, agoText: agoText };
})();

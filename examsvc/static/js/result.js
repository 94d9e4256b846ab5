/* The attempt is closed: answers this device kept for resending are of no use any more, and on a
   shared computer they should not stay behind. */
(function () {
  "use strict";
  var el = document.getElementById("result");
  if (!el || !el.dataset.attempt) return;
  var prefix = "examsvc-pending-" + el.dataset.attempt + "-";
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var key = localStorage.key(i);
      if (key && key.indexOf(prefix) === 0) localStorage.removeItem(key);
    }
  } catch (e) { /* storage unavailable: nothing kept */ }
})();

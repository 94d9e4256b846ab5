// The paper form's total, kept up to date while the sections are filled in: the sum of
// questions × points each over the rows, as the server counts it when the form comes back.
// The server's figure is what the page loads with; without this script it simply stays.
(function () {
  "use strict";

  var table = document.getElementById("sections");
  var out = document.getElementById("total-points");
  if (!table || !out) { return; }

  // A whole number of questions, as WTForms' IntegerField takes it ("3", not "3.5").
  function count(input) {
    var text = input ? input.value.trim() : "";
    return /^[+-]?\d+$/.test(text) ? parseInt(text, 10) : null;
  }

  // Points each, a plain decimal ("2", "2.5"); anything else counts as nothing, as on the server.
  function mark(input) {
    var text = input ? input.value.trim() : "";
    return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? parseFloat(text) : null;
  }

  // 86.50 → "86.5", 2.00 → "2": the same as the server's `points` filter.
  function points(value) {
    var text = (Math.round(value * 100) / 100).toFixed(2);
    return text.replace(/0+$/, "").replace(/\.$/, "");
  }

  function update() {
    var total = 0;
    table.querySelectorAll("tbody.section-row").forEach(function (row) {
      var n = count(row.querySelector("input[name$='-count']"));
      var m = mark(row.querySelector("input[name$='-mark']"));
      if (n !== null && m !== null) { total += n * m; }
    });
    out.textContent = points(total);
  }

  table.addEventListener("input", update);
  table.addEventListener("change", update);
})();

// The question form shows the fields of the chosen type: options (and their pins) for choice
// questions, the key field for choice and true/false, one field per blank for fill-in, the
// reference answer and rubric for short answer. A group that holds anything, or a problem, stays
// visible whatever the type, so nothing a person typed is ever hidden (the server refuses it by
// name). Without this script every group is simply shown.
(function () {
  "use strict";

  var form = document.getElementById("question-form");
  if (!form) { return; }
  var type = form.querySelector("select[name=qtype]");
  var groups = form.querySelectorAll(".type-group");

  function holdsSomething(group) {
    if (group.querySelector(".error")) { return true; }
    return Array.prototype.some.call(group.querySelectorAll("input, textarea"), function (input) {
      return input.type === "checkbox" ? input.checked : input.value.trim() !== "";
    });
  }

  function show() {
    groups.forEach(function (group) {
      var wanted = group.dataset.types.split(" ").indexOf(type.value) !== -1;
      group.hidden = !wanted && !holdsSomething(group);
    });
  }

  type.addEventListener("change", show);
  show();
})();

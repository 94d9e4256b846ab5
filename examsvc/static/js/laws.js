// The table of contents is folded on a phone and open beside the text on a wide screen.
(function () {
  var toc = document.getElementById("toc");
  if (!toc) return;
  var wide = window.matchMedia("(min-width: 900px)");
  function follow() { toc.open = wide.matches; }
  follow();
  if (wide.addEventListener) wide.addEventListener("change", follow);
  // A tap on an entry of the folded contents closes it again, so the text it leads to is visible.
  toc.addEventListener("click", function (event) {
    if (event.target.closest("a") && !wide.matches) toc.open = false;
  });
})();

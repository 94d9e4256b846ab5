// The question form's legal basis: check what is typed against the law catalogue, and pick
// articles to insert as a citation such as 《中华人民共和国行政处罚法》第三十六条、第三十七条.
(function () {
  var field = document.getElementById("legal_basis");
  var check = document.getElementById("basis-check");
  var picker = document.getElementById("law-picker");
  if (!field || !check || !picker) return;

  function get(url) {
    return fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function debounce(fn, ms) {
    var timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  // --- the check ---------------------------------------------------------------------------
  var runCheck = debounce(function () {
    var text = field.value.trim();
    if (!text) { check.textContent = ""; return; }
    get(check.dataset.url + "?text=" + encodeURIComponent(text)).then(function (data) {
      check.textContent = "";
      var list = el("ul", {"class": "cite-problems"});
      data.citations.forEach(function (c) {
        var li = el("li", {"class": c.ok ? "ok" : "warn"});
        if (c.url) li.appendChild(el("a", {href: c.url, target: "_blank", rel: "noopener"}, c.text));
        else li.appendChild(document.createTextNode(c.text));
        li.appendChild(document.createTextNode(c.ok ? " ✓ " + check.dataset.msgOk : " ⚠ " + c.reason));
        list.appendChild(li);
      });
      check.appendChild(el("p", {}, data.summary));
      check.appendChild(list);
    }).catch(function () { check.textContent = ""; });
  }, 400);
  field.addEventListener("input", runCheck);
  runCheck();

  // --- the picker --------------------------------------------------------------------------
  var lawInput = document.getElementById("picker-law");
  var lawList = document.getElementById("picker-laws");
  var box = document.getElementById("picker-articles-box");
  var chosenLaw = document.getElementById("picker-chosen-law");
  var filter = document.getElementById("picker-filter");
  var articleList = document.getElementById("picker-articles");
  var insert = document.getElementById("picker-insert");
  var law = null;

  var findLaws = debounce(function () {
    get(picker.dataset.lawsUrl + "?q=" + encodeURIComponent(lawInput.value.trim())).then(function (data) {
      lawList.textContent = "";
      if (!data.laws.length) lawList.appendChild(el("li", {}, picker.dataset.msgNone));
      data.laws.forEach(function (item) {
        var button = el("button", {type: "button", "class": "link", "data-law": item.id}, item.title);
        button.addEventListener("click", function () { chooseLaw(item); });
        var li = el("li");
        li.appendChild(button);
        lawList.appendChild(li);
      });
    });
  }, 250);
  lawInput.addEventListener("input", findLaws);
  picker.addEventListener("toggle", function () { if (picker.open && !lawList.children.length) findLaws(); });

  function chooseLaw(item) {
    law = item;
    chosenLaw.textContent = item.title + "（" + item.version_date + "）";
    box.hidden = false;
    filter.value = "";
    listArticles();
  }
  var listArticles = debounce(function () {
    if (!law) return;
    var url = picker.dataset.articlesUrl.replace(/\/0\/articles$/, "/" + law.version_id + "/articles");
    get(url + "?q=" + encodeURIComponent(filter.value.trim())).then(function (data) {
      articleList.textContent = "";
      if (!data.articles.length) articleList.appendChild(el("li", {}, picker.dataset.msgNone));
      data.articles.forEach(function (a) {
        var label = el("label");
        var box = el("input", {type: "checkbox", value: a.label, "data-slug": a.slug});
        label.appendChild(box);
        label.appendChild(el("span", {}, a.label + " " + a.excerpt));
        var li = el("li");
        li.appendChild(label);
        articleList.appendChild(li);
      });
      if (data.more) articleList.appendChild(el("li", {"class": "muted"}, picker.dataset.msgMore));
    });
  }, 250);
  filter.addEventListener("input", listArticles);

  insert.addEventListener("click", function () {
    var labels = Array.prototype.map.call(articleList.querySelectorAll("input:checked"), function (b) { return b.value; });
    if (!law || !labels.length) return;
    var citation = "《" + law.title + "》" + labels.join("、");
    var current = field.value.trim();
    field.value = current ? current + "；" + citation : citation;
    field.dispatchEvent(new Event("input"));
    articleList.querySelectorAll("input:checked").forEach(function (b) { b.checked = false; });
  });
})();

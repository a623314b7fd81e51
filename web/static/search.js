// Suggestions as you type: fills the search box's <datalist> from /api/v1/search.
// Without JavaScript the form still searches; this only adds the dropdown.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) return;
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null;
  var last = "";
  var controller = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  function suggest() {
    var q = input.value.trim();
    if (q.length < 2 || q === last) return;
    last = q;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var url = input.getAttribute("data-suggest") + "?limit=8&facets=0&q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" }, signal: controller && controller.signal })
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (body) {
        while (list.firstChild) list.removeChild(list.firstChild);
        var seen = {};
        (body.hits || []).forEach(function (h) {
          var title = document.documentElement.lang === "en" && h.title_en ? h.title_en : h.title_vi;
          if (seen[title]) return;
          seen[title] = true;
          var o = document.createElement("option");
          o.value = title;
          list.appendChild(o);
        });
      })
      .catch(function () {});
  }
})();

// The sort applies as soon as it is chosen (without JavaScript, the "Tìm" button does it).
(function () {
  "use strict";
  var select = document.querySelector("select[data-submit-on-change]");
  if (!select || !select.form) return;
  select.addEventListener("change", function () { select.form.submit(); });
})();

// Live preview for the lesson editor. Without this file the Preview button does the same.
(function () {
  var form = document.getElementById("live-preview");
  if (!form || !window.fetch) { return; }
  var token = form.querySelector("input[name=csrf_token]").value;
  document.querySelectorAll("textarea[data-preview]").forEach(function (area) {
    var target = document.getElementById(area.getAttribute("data-preview"));
    var timer = null;
    function refresh() {
      var body = new URLSearchParams();
      body.set("csrf_token", token);
      body.set("markdown", area.value);
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) { target.innerHTML = html; } });
    }
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    refresh();
  });
})();

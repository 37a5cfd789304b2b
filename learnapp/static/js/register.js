// The attendance register on the trainer's phone.
// 1. The camera: where the browser has BarcodeDetector and a camera, a scanned sign-in
//    card fills the username field and records the learner.
// 2. No network: a mark made while the phone is offline is kept in this phone's storage
//    under an id of its own, shown as waiting, and sent to the register's sync address
//    when the network returns. The server applies each id once, so sending the queue
//    again after a lost answer does no harm.
// Without JavaScript the form is typed or picked from the list and posted as before.
(function () {
  var form = document.getElementById("register-form");
  if (!form) return;
  var script = document.currentScript || document.querySelector("script[data-scanning]");
  var data = script.dataset;
  var field = form.querySelector("[name=who]");

  // --- the offline queue --------------------------------------------------------------
  var box = document.getElementById("register-queue");
  var list = document.getElementById("queue-list");
  var note = document.getElementById("queue-status");
  var key = "learnapp.register:" + data.syncUrl;
  var token = form.querySelector("[name=csrf_token]").value;
  var sending = false;

  function load() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (e) {
      return [];
    }
  }
  function save(queue) {
    try {
      if (queue.length) window.localStorage.setItem(key, JSON.stringify(queue));
      else window.localStorage.removeItem(key);
    } catch (e) { /* storage full or off: the marks stay on the page until it closes */ }
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  function line(text, state) {
    var item = document.createElement("li");
    item.textContent = text;
    item.className = "queue-" + state;
    list.appendChild(item);
  }
  var done = [];
  function show() {
    var queue = load();
    list.textContent = "";
    queue.forEach(function (m) { line(m.who + " · " + m.label + " · " + data.waiting, "waiting"); });
    done.forEach(function (d) { line(d.text, d.state); });
    box.hidden = !queue.length && !done.length;
  }
  function label() {
    var select = form.querySelector("[name=status]");
    var checked = form.querySelector("[name=status]:checked");
    if (checked) return checked.parentNode.textContent.trim();
    return select && select.options ? select.options[select.selectedIndex].text : "";
  }
  function value(name) {
    var checked = form.querySelector("[name=" + name + "]:checked");
    var el = checked || form.querySelector("[name=" + name + "]");
    return el ? el.value : "";
  }
  function enqueue() {
    var queue = load();
    queue.push({ id: newId(), who: field.value.trim(), status: value("status"),
      reason: value("reason").trim() || null, label: label() });
    save(queue);
    field.value = "";
    var reason = form.querySelector("[name=reason]");
    if (reason) reason.value = "";
    note.textContent = data.offline;
    show();
    field.focus();
  }
  function send() {
    var queue = load();
    if (sending || !queue.length || !navigator.onLine) return;
    sending = true;
    note.textContent = data.sending;
    var marks = queue.map(function (m) {
      return { id: m.id, who: m.who, status: m.status, reason: m.reason };
    });
    fetch(data.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ marks: marks })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      sending = false;
      if (!answer.ok || !answer.body.results) {
        note.textContent = (answer.body && answer.body.error) || data.failed;
        return;
      }
      var results = answer.body.results;
      var left = load().filter(function (m) {
        var r = results[m.id];
        if (!r) return true;
        if (r.state === "refused") done.push({ text: m.who + " · " + r.message, state: "refused" });
        else done.push({ text: m.who + " · " + m.label + " · " + data.sent, state: "sent" });
        return false;
      });
      save(left);
      note.textContent = left.length ? data.failed : data.allSent;
      show();
    }).catch(function () {
      sending = false;
      note.textContent = data.failed;
    });
  }
  function record() {
    if (navigator.onLine) form.submit();
    else enqueue();
  }
  if (box && list && data.syncUrl) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine || !field.value.trim()) return;
      event.preventDefault();
      enqueue();
    });
    window.addEventListener("online", send);
    window.addEventListener("offline", function () { note.textContent = data.offline; box.hidden = false; });
    show();
    send();
  }

  // --- the camera ---------------------------------------------------------------------
  var scanner = document.getElementById("scanner");
  if (!scanner || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  scanner.hidden = false;
  document.getElementById("scan-start").addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      status.textContent = data.scanning;
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true;
            // The card's QR is the sign-in address with ?u=<username>; the server reads
            // either that address or a plain username, so the raw value is sent.
            field.value = codes[0].rawValue;
            record();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      };
      look();
    }).catch(function () {
      status.textContent = data.noCamera;
    });
  });
})();

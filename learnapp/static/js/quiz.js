// Saves each answer as it is given, so a dropped connection or a trip away loses nothing.
// Without this file the page still works: "Save answers" and "Submit" send the whole form.
(function () {
  var form = document.querySelector("form.quiz[data-save-url]");
  if (!form || !window.fetch || !window.FormData) return;
  var token = form.querySelector("input[name=csrf_token]").value;
  var summary = form.querySelector(".save-summary");
  var states = {};

  function show(box, text) {
    var note = box.querySelector(".save-state");
    note.textContent = text;
    note.hidden = false;
  }

  function refreshSummary() {
    var waiting = Object.keys(states).some(function (id) {
      return states[id].dirty || states[id].busy || states[id].failed;
    });
    summary.textContent = form.dataset.pending;
    summary.hidden = !waiting;
  }

  function send(id) {
    var st = states[id];
    if (st.busy || st.closed) return;
    clearTimeout(st.timer);
    st.busy = true;
    st.dirty = false;
    var box = st.box;
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("question", id);
    box.querySelectorAll("input").forEach(function (input) {
      if (input.type === "text" || input.checked) data.append(input.name, input.value);
    });
    show(box, form.dataset.saving);
    refreshSummary();
    fetch(form.dataset.saveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      st.busy = false;
      if (response.ok) {
        st.failed = false;
        st.tries = 0;
        if (st.dirty) return send(id);
        show(box, form.dataset.saved);
      } else if (response.status === 409) {
        st.closed = true;
        st.failed = true;
        show(box, form.dataset.closed);
      } else {
        fail(id);
      }
      refreshSummary();
    }, function () {
      st.busy = false;
      fail(id);
      refreshSummary();
    });
  }

  function fail(id) {
    var st = states[id];
    st.failed = true;
    st.dirty = true;
    st.tries = (st.tries || 0) + 1;
    show(st.box, form.dataset.failed);
    // Back off on a weak network: 2, 4, 8 ... seconds, at most 30.
    st.timer = setTimeout(function () { send(id); }, Math.min(30000, 1000 * Math.pow(2, st.tries)));
  }

  function changed(event) {
    var box = event.target.closest("fieldset[data-question]");
    if (!box) return;
    var id = box.dataset.question;
    var st = states[id] || (states[id] = { box: box });
    st.dirty = true;
    clearTimeout(st.timer);
    if (event.type === "input") {
      st.timer = setTimeout(function () { send(id); }, 800);
      refreshSummary();
    } else {
      send(id);
    }
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") changed(event);
  });
  window.addEventListener("online", function () {
    Object.keys(states).forEach(function (id) { if (states[id].dirty) send(id); });
  });
})();

// Saves each answer as it is given, so a dropped connection or a trip away loses nothing.
// Without this file the page still works: "Save answers" and "Submit" send the whole form.
(function () {
  var form = document.querySelector("form.quiz[data-save-url]");
  if (!form || !window.fetch) return;
  var d = form.dataset, token = form.elements.csrf_token.value;
  var summary = form.querySelector(".save-summary"), states = {};
  // The phone also keeps the answers it was given, so a page reloaded without a network
  // (from the offline store) shows them again; kept as long as an offline submit counts.
  var KEPT = "quiz:answers:", KEY = KEPT + d.saveUrl, KEEP_MS = 8 * 864e5;

  function fields(box) {
    return Array.prototype.filter.call(box.querySelectorAll("input, select"), function (input) {
      return input.tagName === "SELECT" || /^(radio|checkbox|text)$/.test(input.type);
    });
  }
  function snapshot(box) {
    return fields(box).map(function (input) {
      return input.tagName === "SELECT" || input.type === "text" ? input.value : input.checked;
    });
  }
  function kept() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function keep(id) {
    var all = kept();
    all[id] = {v: snapshot(states[id].box), t: Date.now()};
    try { localStorage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* full: the server copy stays */ }
  }

  function show(st, text) {
    if (!st.note) {
      st.note = document.createElement("p");
      st.note.className = "save-state";
      st.note.setAttribute("aria-live", "polite");
      st.box.appendChild(st.note);
    }
    st.note.textContent = text;
  }

  function tally() {
    summary.textContent = d.pending;
    summary.hidden = !Object.keys(states).some(function (id) {
      var st = states[id];
      return st.dirty || st.busy || st.failed;
    });
  }

  function send(id) {
    var st = states[id];
    if (st.busy || st.closed) return;
    clearTimeout(st.timer);
    st.busy = true;
    st.dirty = false;
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("question", id);
    fields(st.box).forEach(function (input) {
      if (input.tagName === "SELECT") {
        if (input.value) data.append(input.name, input.value);
      } else if (input.type === "text" || input.checked) {
        data.append(input.name, input.value);
      }
    });
    show(st, d.saving);
    tally();
    fetch(d.saveUrl, {method: "POST", body: data, credentials: "same-origin",
      headers: {"Accept": "application/json"}})
      .then(function (r) { return r.status; }, function () { return 0; })
      .then(function (status) {
        st.busy = false;
        if (status === 200) {
          st.failed = false;
          st.tries = 0;
          if (st.dirty) return send(id);
          show(st, d.saved);
        } else if (status === 409) {
          st.closed = st.failed = true;
          show(st, d.closed);
        } else {
          // Not saved: say so, and try again after 2, 4, 8 ... seconds (at most 30).
          st.failed = st.dirty = true;
          st.tries = (st.tries || 0) + 1;
          show(st, d.failed);
          st.timer = setTimeout(send, Math.min(30000, 1000 * Math.pow(2, st.tries)), id);
        }
        tally();
      });
  }

  // Ordering: a step given a place another step holds takes that step's old place, so
  // the places stay one each (without this file the server asks to fix a repeat).
  function place(select) {
    var v = select.value;
    return v ? v.slice(v.indexOf(":") + 1) : "";
  }
  function swap(select, box) {
    var to = place(select), from = select.dataset.was || "";
    if (to) {
      box.querySelectorAll("select.step-place").forEach(function (other) {
        if (other === select || place(other) !== to) return;
        var id = other.value.slice(0, other.value.indexOf(":"));
        other.value = from ? id + ":" + from : "";
        other.dataset.was = place(other);
      });
    }
    select.dataset.was = to;
  }
  form.querySelectorAll("select.step-place").forEach(function (s) { s.dataset.was = place(s); });

  function changed(event) {
    var box = event.target.closest("fieldset[data-question]");
    if (!box) return;
    if (event.target.matches && event.target.matches("select.step-place")) swap(event.target, box);
    var id = box.dataset.question, st = states[id] || (states[id] = {box: box});
    st.dirty = true;
    keep(id);
    clearTimeout(st.timer);
    if (event.type === "input") {
      st.timer = setTimeout(send, 800, id);
      tally();
    } else {
      send(id);
    }
  }

  // Answers the phone kept that this page does not show (it came from the offline store,
  // or they were given offline) are put back and sent; old attempts' copies are dropped.
  function restore() {
    Object.keys(localStorage).forEach(function (key) {
      if (key.indexOf(KEPT) !== 0 || key === KEY) return;
      var newest = 0;
      try {
        var all = JSON.parse(localStorage.getItem(key)) || {};
        Object.keys(all).forEach(function (id) { newest = Math.max(newest, all[id].t || 0); });
      } catch (e) { /* unreadable: dropped below */ }
      if (Date.now() - newest > KEEP_MS) localStorage.removeItem(key);
    });
    var all = kept();
    Object.keys(all).forEach(function (id) {
      var box = form.querySelector('fieldset[data-question="' + id + '"]'), v = all[id].v;
      if (!box || JSON.stringify(snapshot(box)) === JSON.stringify(v)) return;
      fields(box).forEach(function (input, i) {
        if (input.tagName === "SELECT" || input.type === "text") input.value = v[i] || "";
        else input.checked = !!v[i];
      });
      box.querySelectorAll("select.step-place").forEach(function (s) { s.dataset.was = place(s); });
      states[id] = {box: box, dirty: true};
      if (navigator.onLine) send(id);
    });
    tally();
  }
  restore();

  form.addEventListener("change", changed);
  form.addEventListener("input", function (e) { if (e.target.type === "text") changed(e); });
  window.addEventListener("online", function () {
    Object.keys(states).forEach(function (id) { if (states[id].dirty) send(id); });
  });
})();

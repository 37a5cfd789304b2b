// Offline use, all progressive enhancement: without JavaScript or service workers none
// of this shows and every page works as before. Strings come from data- attributes.
(function () {
  var me = document.currentScript, d = me.dataset, uid = d.user;
  if (!("serviceWorker" in navigator) || !window.caches || !window.fetch || !uid) return;
  var QUEUE = "offline:queue:u" + uid, MODS = "offline:modules:u" + uid;
  var PREFIX = "module-u" + uid + "-";
  var banner = document.querySelector("[data-offline-banner]");

  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function newId() {
    var a = new Uint8Array(12); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function token() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function kb(bytes) { return Math.max(1, Math.round(bytes / 1024)) + " KB"; }

  function showBanner() {
    var waiting = read(QUEUE, []).length, offline = !navigator.onLine ||
      document.querySelector("main[data-offline]");
    if (!banner) return;
    var text = offline ? d.offline : "";
    if (waiting) text += (text ? " " : "") + d.waiting.replace("{n}", waiting);
    banner.textContent = text;
    banner.hidden = !text;
  }

  function enqueue(action) {
    var queue = read(QUEUE, []); action.id = newId(); queue.push(action); write(QUEUE, queue);
    showBanner();
  }

  var syncing = null;
  function sync() {
    var queue = read(QUEUE, []);
    if (!queue.length || !navigator.onLine || !token()) return Promise.resolve();
    if (syncing) return syncing;
    syncing = fetch("/offline/sync", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify({ actions: queue })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (reply) {
      if (!reply) return;
      var done = {}, notes = [];
      reply.results.forEach(function (r) {
        done[r.id] = true; if (r.message) notes.push(r.message);
      });
      write(QUEUE, read(QUEUE, []).filter(function (a) { return !done[a.id]; }));
      if (notes.length && banner) { banner.hidden = false; banner.textContent = notes.join(" "); return; }
      showBanner();
    }).catch(function () {}).then(function () { syncing = null; });
    return syncing;
  }

  // "Mark as done" and "Submit" without a network: kept in the queue instead of lost.
  document.addEventListener("submit", function (event) {
    var form = event.target, action = form.getAttribute("action") || "";
    var done = action.match(/^\/m\/([^/]+)\/([^/]+)\/done$/);
    var quiz = form.matches("form.quiz[data-offline-ok]") && action.match(/^\/quiz\/attempts\/(\d+)$/);
    if (form.matches("[data-sign-out]")) { event.preventDefault(); return signOut(form); }
    if ((!done && !quiz) || form.dataset.passing) return;
    event.preventDefault();
    var submitter = event.submitter;
    reachable().then(function (up) {
      if (!up) return keep(form, done, quiz);
      form.dataset.passing = "1";
      form.requestSubmit(submitter);
    });
  });

  // navigator.onLine stays true when only the server is out of reach: ask it.
  function reachable() {
    return fetch("/manifest.webmanifest", { method: "HEAD", cache: "no-store" })
      .then(function (r) { return r.ok; }, function () { return false; });
  }

  function keep(form, done, quiz) {
    if (done) {
      enqueue({ type: "lesson_done", module: done[1], lesson: done[2] });
      alert(d.queued); location.href = "/m/" + done[1];
    } else {
      var answers = {};
      Array.prototype.forEach.call(form.elements, function (input) {
        if (!/^q\d+$/.test(input.name)) return;
        if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
        if (!input.value) return;
        (answers[input.name] = answers[input.name] || []).push(input.value);
      });
      enqueue({ type: "quiz_submit", attempt: parseInt(quiz[1], 10), answers: answers });
      // The queue holds them now; quiz.js's copy would only be put back on a closed attempt.
      localStorage.removeItem("quiz:answers:" + form.dataset.saveUrl);
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      var note = document.createElement("p"); note.className = "flash flash-info";
      note.setAttribute("role", "status"); note.textContent = d.queued; form.appendChild(note);
    }
  }

  // The service worker answers offline only from this account's modules.
  function markAccount() {
    if (localStorage.getItem("offline:account") === uid) return;
    caches.open("offline-account").then(function (cache) {
      return cache.put("/account", new Response(uid));
    }).then(function () { localStorage.setItem("offline:account", uid); }).catch(function () {});
  }
  function clearStore() {
    localStorage.removeItem(MODS);
    localStorage.removeItem("offline:account");
    Object.keys(localStorage).forEach(function (key) {
      if (key.indexOf("quiz:answers:") === 0) localStorage.removeItem(key);
    });
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf(PREFIX) === 0 || n === "offline-account";
      })
        .map(function (n) { return caches.delete(n); }));
    });
  }
  // Sign-out sends the queue first; a queue that cannot be sent stays under this
  // account's id for its next sign-in. The stored pages go either way. Without a
  // network the sign-out itself waits in the store, and the service worker sends it
  // before any other request once the server answers: until then the cookie is still
  // valid on the server, and the next page must not be shown with it.
  function signOut(form) {
    reachable().then(function (up) {
      if (up) {
        return sync().then(clearStore).catch(function () {}).then(function () { form.submit(); });
      }
      return keepSignOut(form).then(clearStore).catch(function () {}).then(signedOutHere);
    });
  }
  function keepSignOut(form) {
    var body = new URLSearchParams(new FormData(form)).toString();
    return caches.open("pending-sign-out").then(function (cache) {
      return cache.put("/sign-out", new Response(body));
    }).then(function () {
      var worker = navigator.serviceWorker.controller;
      if (worker) worker.postMessage("sign-out-pending");
    });
  }
  function signedOutHere() {
    var nav = document.querySelector(".top-nav"), main = document.getElementById("main");
    if (nav) nav.remove();
    if (!main) return;
    main.textContent = "";
    var note = document.createElement("p");
    note.className = "flash flash-info"; note.setAttribute("role", "status");
    note.textContent = d.signedOut; main.appendChild(note);
  }

  // Download for offline, on the module page.
  var box = document.querySelector("[data-offline-module]");
  function refreshBox() {
    if (!box) return;
    var slug = box.dataset.offlineModule, mine = read(MODS, {})[slug];
    box.hidden = false;
    box.querySelector("[data-download]").hidden = !!mine;
    box.querySelector("[data-remove]").hidden = !mine;
    box.querySelector("[data-state]").textContent = mine ? d.stored.replace("{s}", kb(mine.bytes)) : "";
  }
  // Each version of a module is stored under a name of its own: a refresh that fails
  // (a full phone, a lost network) leaves the copy before it whole, and a download that
  // fails leaves nothing behind.
  function copiesOf(slug, keep) {
    return caches.keys().then(function (names) {
      return names.filter(function (n) {
        return n !== keep && (n === PREFIX + slug || n.indexOf(PREFIX + slug + "@") === 0);
      });
    });
  }
  function dropAll(names) {
    return Promise.all(names.map(function (n) { return caches.delete(n); }));
  }
  function download(slug, ask) {
    return fetch("/offline/modules/" + slug + ".json", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("list"); return r.json(); })
      .then(function (list) {
        if (ask && !confirm(d.ask.replace("{s}", kb(list.bytes)))) return;
        var name = PREFIX + slug + "@" + list.version;
        return caches.open(name)
          .then(function (cache) { return cache.addAll(list.urls); })
          .then(function () {
            var mods = read(MODS, {}); mods[slug] = { version: list.version, bytes: list.bytes };
            write(MODS, mods);
          })
          .catch(function (error) {
            return caches.delete(name).then(function () { throw error; });
          })
          .then(function () { return copiesOf(slug, name).then(dropAll); });
      });
  }
  function remove(slug) {
    var mods = read(MODS, {}); delete mods[slug]; write(MODS, mods);
    return copiesOf(slug, null).then(dropAll);
  }
  if (box) {
    box.querySelector("[data-download]").addEventListener("click", function () {
      var state = box.querySelector("[data-state]");
      state.textContent = d.downloading;
      download(box.dataset.offlineModule, true).then(refreshBox, function (error) {
        state.textContent = error && error.name === "QuotaExceededError" ? d.full : d.failed;
      });
    });
    box.querySelector("[data-remove]").addEventListener("click", function () {
      remove(box.dataset.offlineModule).then(refreshBox);
    });
    refreshBox();
  }

  // The downloaded-modules page: what is stored, the space it uses, a remove button each.
  var list = document.querySelector("[data-offline-list]");
  if (list) {
    var mods = read(MODS, {});
    Object.keys(mods).forEach(function (slug) {
      var li = document.createElement("li"), b = document.createElement("button");
      li.textContent = slug + " · " + kb(mods[slug].bytes) + " ";
      b.type = "button"; b.className = "button"; b.textContent = d.remove;
      b.addEventListener("click", function () { remove(slug).then(function () { li.remove(); }); });
      li.appendChild(b); list.appendChild(li);
    });
    list.hidden = false;
    if (navigator.storage && navigator.storage.estimate) {
      navigator.storage.estimate().then(function (e) {
        var used = document.querySelector("[data-offline-used]");
        if (used) { used.hidden = false; used.textContent = d.used.replace("{s}", kb(e.usage || 0)); }
      });
    }
  }

  // An attempt at a downloaded module's quiz is stored too, so it can be reopened and
  // finished without a network (its answers come back from quiz.js's copy).
  function storeAttempt() {
    var quizForm = document.querySelector("form.quiz[data-offline-ok][data-module]");
    if (!quizForm || !read(MODS, {})[quizForm.dataset.module]) return;
    fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok || r.redirected) return;
      return caches.open(PREFIX + "attempts").then(function (cache) {
        return cache.put(location.pathname, r);
      });
    }).catch(function () {});
  }

  // A downloaded module whose published version changed is fetched again, quietly.
  function refreshStale() {
    var mods = read(MODS, {});
    Object.keys(mods).forEach(function (slug) {
      fetch("/offline/modules/" + slug + ".json", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (l) { if (l && l.version !== mods[slug].version) download(slug, false); })
        .catch(function () {});
    });
  }

  window.addEventListener("online", function () { showBanner(); sync(); });
  window.addEventListener("offline", showBanner);
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    showBanner();
    markAccount();
    if (navigator.onLine && !document.querySelector("main[data-offline]")) {
      sync(); refreshStale(); storeAttempt();
    }
  });
})();

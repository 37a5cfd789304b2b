// Service worker: keeps the site's static files for offline use. Served at /sw.js with
// VERSION and ASSETS prepended by the server; VERSION is a hash of the static files, so a
// deploy installs a new cache and the old one is deleted. It stores nothing else: pages
// are never fetched ahead, so no module is downloaded unless the learner asks for it.
var STATIC_CACHE = "static-" + VERSION;
// A sign-out made without a network (offline.js stores its form body here). It is sent
// before any other request once the server answers, so the old cookie is ended before a
// page could be shown with it on a shared phone.
var SIGN_OUT_CACHE = "pending-sign-out";
var SIGN_OUT_URL = "/sign-out";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// undefined until the stored state is read (the worker may have been restarted).
var signOutPending;
var signOutRead = caches.has(SIGN_OUT_CACHE).then(function (has) {
  if (signOutPending === undefined) { signOutPending = has; }
});
var signOutSending = null;

self.addEventListener("message", function (event) {
  if (event.data === "sign-out-pending") { signOutPending = true; }
});

function sendSignOut() {
  if (!signOutPending) { return Promise.resolve(); }
  if (!signOutSending) {
    signOutSending = caches.open(SIGN_OUT_CACHE).then(function (cache) {
      return cache.match(SIGN_OUT_URL);
    }).then(function (stored) {
      if (!stored) { return; }
      return stored.text().then(function (body) {
        return fetch(SIGN_OUT_URL, {
          method: "POST", credentials: "same-origin", redirect: "manual",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body
        });
      }).then(function (reply) {
        // A proxy's 5xx while the site is down is not an answer from the site: try again.
        if (reply.type !== "opaqueredirect" && reply.status >= 500) { throw new Error("down"); }
      });
    }).then(function () {
      signOutPending = false;
      return caches.delete(SIGN_OUT_CACHE);
    }).catch(function () { /* still no network: kept for the next request */ })
      .then(function () { signOutSending = null; });
  }
  return signOutSending;
}

// Whose downloaded modules may answer: the account that last opened a page here
// (offline.js writes it; sign-out deletes it). On a shared phone, another account's
// stored pages are never shown, even when that account's session ran out without a
// sign-out.
var ACCOUNT_CACHE = "offline-account";

function ownMatch(request) {
  return caches.open(ACCOUNT_CACHE).then(function (cache) {
    return cache.match("/account");
  }).then(function (reply) { return reply ? reply.text() : ""; }).then(function (uid) {
    if (!uid) { return undefined; }
    var prefix = "module-u" + uid + "-";
    return caches.keys().then(function (names) {
      return names.filter(function (n) { return n.indexOf(prefix) === 0; })
        .reduce(function (found, name) {
          return found.then(function (hit) {
            return hit || caches.open(name).then(function (cache) {
              return cache.match(request, { ignoreSearch: true });
            });
          });
        }, Promise.resolve(undefined));
    });
  });
}

// Offline, a page found in a downloaded module, marked so it shows the offline banner.
function storedPage(request) {
  return ownMatch(request).then(function (hit) {
    if (!hit) { return Response.error(); }
    return hit.text().then(function (html) {
      return new Response(html.replace('<main id="main">', '<main id="main" data-offline="1">'), {
        headers: { "Content-Type": "text/html; charset=utf-8" }
      });
    });
  });
}

// A recording asked for by range (as <audio> does) gets the part it asked for, so the
// player can seek in a stored copy as it does online.
function storedMedia(request) {
  return ownMatch(request).then(function (hit) {
    if (!hit) { return Response.error(); }
    var range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("Range") || "");
    if (!range || hit.status !== 200) { return hit; }
    return hit.blob().then(function (blob) {
      var size = blob.size;
      var start = range[1] ? parseInt(range[1], 10) : Math.max(0, size - parseInt(range[2] || "0", 10));
      var end = range[1] && range[2] ? Math.min(parseInt(range[2], 10), size - 1) : size - 1;
      if (start >= size || start > end) {
        return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
      }
      return new Response(blob.slice(start, end + 1), {
        status: 206,
        headers: {
          "Content-Type": hit.headers.get("Content-Type") || "application/octet-stream",
          "Content-Range": "bytes " + start + "-" + end + "/" + size,
          "Content-Length": String(end - start + 1),
          "Accept-Ranges": "bytes"
        }
      });
    });
  });
}

// How one request is answered, or null for the browser's own handling.
function route(request, url) {
  if (request.method !== "GET") { return null; }
  if (request.mode === "navigate") {
    // Online, pages come from the server as always. Offline, only pages of modules the
    // learner downloaded are found.
    return function () { return fetch(request).catch(function () { return storedPage(request); }); };
  }
  if (url.pathname.indexOf("/media/") === 0) {
    // Pictures and recordings: from the server when it answers, else from a module the
    // learner downloaded.
    return function () { return fetch(request).catch(function () { return storedMedia(request); }); };
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/offline/static/") === 0) {
    // Asset URLs carry their content hash, so a stored copy is always the right one.
    return function () {
      return caches.match(request).then(function (hit) { return hit || fetch(request); });
    };
  }
  return null;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var answer = route(request, url);
  if (signOutPending !== false) {
    // A sign-out may be waiting (or its state is not read yet): it goes first.
    event.respondWith(signOutRead.then(sendSignOut).then(function () {
      return answer ? answer() : fetch(request);
    }));
    return;
  }
  if (answer) { event.respondWith(answer()); }
});

// Service worker: keeps the site's static files for offline use. Served at /sw.js with
// VERSION and ASSETS prepended by the server; VERSION is a hash of the static files, so a
// deploy installs a new cache and the old one is deleted. It stores nothing else: pages
// are never fetched ahead, so no module is downloaded unless the learner asks for it.
var STATIC_CACHE = "static-" + VERSION;

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

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Online, pages come from the server as always. Offline, only pages of modules the
    // learner downloaded are found; they are marked so the page shows the offline banner.
    event.respondWith(fetch(request).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (hit) {
        if (!hit) { return Response.error(); }
        return hit.text().then(function (html) {
          return new Response(html.replace('<main id="main">', '<main id="main" data-offline="1">'), {
            headers: { "Content-Type": "text/html; charset=utf-8" }
          });
        });
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/media/") === 0) {
    // Pictures and recordings: from the server when it answers, else from a module the
    // learner downloaded.
    event.respondWith(fetch(request).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || Response.error();
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/offline/static/") === 0) {
    // Asset URLs carry their content hash, so a stored copy is always the right one.
    event.respondWith(
      caches.match(request).then(function (hit) { return hit || fetch(request); })
    );
  }
});

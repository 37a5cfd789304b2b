"""Offline use: the installable app (manifest, icons, service worker) and its caching rules."""

/* A site's own scripts ([sites.S.trackers.custom.NAME]): each loads once,
 * with the page's nonce, after its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).custom = (k) => ({
  start: (t, on) => k.first(t, on) && k.loadScript(t.src),
});

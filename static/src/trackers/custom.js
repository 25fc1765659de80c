/* A site's own scripts ([sites.S.trackers.custom.NAME]): each loads once,
 * with the page's nonce, after its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).custom = (k) => {
  const loaded = new Set();
  return {
    start(t, on) {
      if (!on || loaded.has(t.name)) return;
      loaded.add(t.name);
      k.running.add(t.category);
      k.load(t.src);
    },
  };
};

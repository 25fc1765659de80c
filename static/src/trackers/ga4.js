/* Google Analytics 4 through gtag.js, once its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).ga4 = (k) => {
  let started = false;
  return {
    start(t, on) {
      if (!on || started) return;
      started = k.running.add(t.category);
      k.tag(t.measurement_id);
    },
  };
};

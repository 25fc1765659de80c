/* Google Ads conversions through gtag.js, once its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).google_ads = (k) => {
  let started = false;
  return {
    start(t, on) {
      if (!on || started) return;
      started = k.running.add(t.category);
      k.tag(t.conversion_id);
    },
  };
};

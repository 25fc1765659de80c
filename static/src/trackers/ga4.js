/* Google Analytics 4 through gtag.js, once its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).ga4 = (k) => ({
  start: (t, on) => k.first(t, on) && k.tag(t.id),
});

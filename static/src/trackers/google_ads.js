/* Google Ads conversions through gtag.js, once its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).google_ads = (k) => ({
  start: (t, on) => k.first(t, on) && k.tag(t.id),
});

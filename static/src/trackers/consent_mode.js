/* Google Consent Mode v2, shared by the Google kinds (GA4, Tag Manager,
 * Google Ads). The service lists it first among a site's trackers when the
 * site uses any of them, so `default` (everything denied but security) runs
 * before any Google tag, and `update` runs before a tag starts. Its settings
 * name the categories each signal follows: analytics_storage follows
 * `analytics`, the three ad signals follow `ads` (denied when empty).
 * k.tag (a Google id through gtag.js) serves GA4 and Google Ads, which
 * always come with this part. */
(window.__bannerParts = window.__bannerParts || {}).consent_mode = (k) => {
  let loaded = false;
  /* An element with id "dataLayer" shows through window: only an array is
   * kept. Tag Manager's part pushes through k.push too. */
  k.push = (message) => (window.dataLayer = Array.isArray(window.dataLayer) ? window.dataLayer : []).push(message);
  function gtag() {
    k.push(arguments);
  }

  function signals(t) {
    const state = (c) => (c.some(k.allows) ? 'granted' : 'denied');
    const ads = state(t.ads);
    return {
      ad_storage: ads,
      ad_user_data: ads,
      ad_personalization: ads,
      analytics_storage: state(t.analytics),
      functionality_storage: state(['functional']),
      personalization_storage: state(['preference']),
    };
  }

  /* One gtag.js for every Google id of the site: the first id loads it. */
  k.tag = (id) => {
    if (!loaded) {
      gtag('js', new Date());
      k.loadScript('https://www.googletagmanager.com/gtag/js?id=' + id);
    }
    gtag('config', id);
    loaded = true;
  };

  return {
    init: (t) => gtag('consent', 'default', { ...signals(t), security_storage: 'granted', wait_for_update: 500 }),
    start: (t) => gtag('consent', 'update', signals(t)),
  };
};

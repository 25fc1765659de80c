/* Google Tag Manager. "basic": the container is requested only once its
 * category is granted. "advanced": it loads at once under the denied
 * defaults of Consent Mode (Google's tags then send cookieless pings before
 * any choice; not the UU PDP default). On every page view where consent is
 * known and after every decision, {event: 'banner_consent', banner_granted}
 * follows in dataLayer, for the container's triggers. */
(window.__bannerParts = window.__bannerParts || {}).gtm = (k) => {
  let loaded = false;

  function container(t) {
    loaded = true;
    k.push({ 'gtm.start': Date.now(), event: 'gtm.js' });
    k.loadScript('https://www.googletagmanager.com/gtm.js?id=' + t.id);
  }

  k.d.addEventListener('banner:change', (e) => k.push({ event: 'banner_consent', banner_granted: e.detail.granted }));
  return {
    init: (t) => t.mode === 'advanced' && container(t),
    /* basic: once any category of the container or of its declared tags is
     * granted (that category then counts as running: withdrawing it reloads) */
    start: (t) => {
      for (const c of t.cats) k.first({ category: c }, k.allows(c));
      if (!loaded && t.cats.some(k.allows)) container(t);
    },
  };
};

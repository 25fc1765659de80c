/* TikTok Pixel: the ttq queue exists from the start with consent held, so
 * the site's own ttq calls wait in it; events.js is requested only once the
 * category is granted, and every decision grants or revokes consent. */
(window.__bannerParts = window.__bannerParts || {}).tiktok_pixel = (k) => {
  const w = window;
  const sdk = 'https://analytics.tiktok.com/i18n/pixel/events.js';
  const methods = (
    'page track identify instances debug on off once ready alias group enableCookie ' +
    'disableCookie holdConsent revokeConsent grantConsent'
  ).split(' ');

  /* The queue TikTok's base code sets up, without the script it loads at
   * once: load() here goes through the gate (the page's nonce). An element
   * with id="ttq" would show through window.ttq: only an array is kept. */
  function queue() {
    const q = (w.ttq = Array.isArray(w.ttq) ? w.ttq : []);
    if (q.load) return q;
    w.TiktokAnalyticsObject = 'ttq';
    q.methods = methods;
    q.setAndDefer = (target, method) => {
      target[method] = (...args) => target.push([method, ...args]);
    };
    q.instance = (id) => {
      const e = q._i[id] || [];
      methods.forEach((m) => q.setAndDefer(e, m));
      return e;
    };
    q.load = (id, options) => {
      (q._i = q._i || {})[id] = Object.assign([], { _u: sdk });
      (q._t = q._t || {})[id] = Date.now();
      (q._o = q._o || {})[id] = options || {};
      k.loadScript(sdk + '?sdkid=' + id + '&lib=ttq');
    };
    methods.forEach((m) => q.setAndDefer(q, m));
    return q;
  }

  return {
    init: () => queue().holdConsent(),
    start(t, on) {
      w.ttq[on ? 'grantConsent' : 'revokeConsent']();
      if (!k.first(t, on)) return;
      w.ttq.load(t.id);
      w.ttq.page();
    },
  };
};

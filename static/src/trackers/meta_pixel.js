/* Meta Pixel: fbq's queue with consent granted or revoked, fbevents.js once
 * its category is granted. */
(window.__bannerParts = window.__bannerParts || {}).meta_pixel = (k) => ({
  start(t, on) {
    /* An element with id or name "fbq" / "_fbq" shows through window: only
     * a function is taken for Meta's queue. */
    let f = typeof window.fbq == 'function' && window.fbq;
    if (!f && !on) return;
    if (!f) {
      f = window.fbq = function () {
        f.callMethod ? f.callMethod(...arguments) : f.queue.push(arguments);
      };
      if (typeof window._fbq != 'function') window._fbq = f;
      Object.assign(f, { push: f, loaded: true, version: '2.0', queue: [] });
    }
    f('consent', on ? 'grant' : 'revoke');
    if (!k.first(t, on)) return;
    f('init', t.id);
    f('track', 'PageView');
    k.loadScript('https://connect.facebook.net/en_US/fbevents.js');
  },
});

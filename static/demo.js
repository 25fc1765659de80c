/* Toko Demo's panel: lists the tracker requests this page made and the
 * cookies it holds, so a person can watch the consent gate work. Only the
 * demo shop loads this file; it is not part of the loader. */
(function (w, d) {
  'use strict';
  const TRACKERS = /googletagmanager\.com|google-analytics\.com|facebook\.(net|com)|tiktok\.com/;
  const OPTIONAL = ['functional', 'analytics', 'preference', 'marketing'];
  const seen = [];

  function note(url) {
    if (!TRACKERS.test(url) || seen.includes(url)) return;
    seen.push(url);
    render();
  }

  function item(text) {
    const li = d.createElement('li');
    li.textContent = text;
    return li;
  }

  function list(id, texts) {
    d.getElementById(id).replaceChildren(...(texts.length ? texts : ['Belum ada.']).map(item));
  }

  /* A gtag command reads "consent update", a pushed object by its event. */
  function message(m) {
    if (m && typeof m.length === 'number') return m[0] + (typeof m[1] === 'string' ? ' ' + m[1] : '');
    return m.event + (m.banner_granted ? ' [' + m.banner_granted.join(', ') + ']' : '');
  }

  function render() {
    list('requests', seen);
    list('layer-calls', (w.dataLayer || []).map(message));
    list('ttq-calls', Array.from(w.ttq || []).map((call) => call[0]));
    list('cookies', d.cookie ? d.cookie.split(/; */).map((c) => c.split('=')[0]) : []);
    const granted = OPTIONAL.filter((c) => w.banner && w.banner.granted(c));
    d.getElementById('granted').textContent = granted.join(', ') || 'hanya yang diperlukan';
  }

  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n.src) note(n.src);
  }).observe(d.documentElement, { childList: true, subtree: true });
  /* a text/plain script is inert until the gate re-creates it */
  d.querySelectorAll('script[src]:not([type="text/plain"]), iframe[src]').forEach((n) => note(n.src));
  d.addEventListener('banner:change', render);
  setInterval(render, 1000);
  render();
})(window, document);

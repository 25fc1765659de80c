/* banner tags chunk: the page's tagged scripts, frames and embeds.
 * The gate loads it only on a page with an element that has
 * data-category (and when a single-page app adds one): it re-creates the
 * granted scripts, sets the granted frames' src, warns once of a category
 * the site does not ask for and fetches the placeholders of blocked embeds
 * (embeds.js). ``K`` is the gate's kernel, ``g`` its own state (gate.js, inner).
 * It registers itself as a tracker part does; the gate takes it. */
(window.__bannerParts = window.__bannerParts || {}).tags = (K, g) => {
  'use strict';
  const d = K.d;
  const warned = new Set();
  const queue = [];
  let busy = false;

  /* Only http(s) URLs (relative ones included) are ever copied into src:
   * javascript:, data:, blob: and the like stay inert. */
  const safe = (url) => {
    if (g.guard(() => /^https?:$/.test(new URL(url, d.baseURI).protocol))) return url;
    console.warn('banner: not loaded, not an http(s) URL:', url);
  };

  /* A tagged element of a category the site does not ask for can never be
   * granted: it stays blocked, and the console says so once per category. */
  const unasked = () => {
    for (const e of d.querySelectorAll('[data-category]')) {
      const c = e.dataset.category;
      if (K.allows(c) || K.S.cats.includes(c) || warned.has(c)) continue;
      warned.add(c);
      console.warn('banner: not a category of this site, kept blocked:', c);
    }
  };

  /* Placeholders for blocked embeds come in a part of their own, fetched
   * only when the page has an embed still waiting for its category. */
  let embeds = 0;
  const placeholders = () => {
    if (embeds || ![...d.querySelectorAll('iframe[data-category][data-src],[data-banner-embed][data-category]')].some((e) => !K.allows(e.dataset.category))) return;
    embeds = 1;
    K.loadScript(K.S.api + 's/' + K.S.site + '/embeds.js');
  };

  const frames = () => {
    for (const f of d.querySelectorAll('iframe[data-category][data-src]')) {
      if (!K.allows(f.dataset.category)) continue;
      g.running.add(f.dataset.category);
      if (safe(f.dataset.src)) f.src = f.dataset.src;
      delete f.dataset.src;
    }
  };

  const scripts = () => {
    for (const s of d.querySelectorAll('script[type="text/plain"][data-category]')) {
      if (K.allows(s.dataset.category) && !queue.includes(s)) queue.push(s);
    }
    next();
  };

  /* Re-creates one gated script (attributes and nonce carried over), in
   * document order; an external one must load before the next runs. */
  const next = () => {
    const old = queue.find((s) => s.isConnected && s.type === 'text/plain');
    if (busy || !old) return;
    const src = old.dataset.src || old.getAttribute('src');
    if (src && !safe(src)) {
      old.type = 'inert';
      return next();
    }
    const s = d.createElement('script');
    for (const a of old.attributes) {
      if (!/^(type|src|data-src|data-type|nonce)$/.test(a.name)) s.setAttribute(a.name, a.value);
    }
    if (old.dataset.type) s.type = old.dataset.type;
    if (src) s.src = src;
    s.nonce = old.nonce;
    g.running.add(old.dataset.category);
    if (s.src) {
      busy = true;
      s.onload = s.onerror = () => {
        busy = false;
        next();
      };
    } else {
      s.text = old.text;
    }
    old.replaceWith(s);
    if (!s.src) next();
  };

  return {
    /* Everything tagged on the page now: granted ones start, the rest wait. */
    scan: () => {
      if (g.grantedNow) frames(), scripts();
      unasked();
      placeholders();
    },
  };
};

/* banner gate: runs on every page view of the site.
 * Reads the consent cookie, starts what was granted, gates tagged scripts and
 * loads the banner UI only when a choice is needed. The service replaces the
 * sentinel below with the site's settings as JSON; nothing else is generated.
 * The code of each tracker kind the site configures is a part of its own
 * (static/src/trackers/*.js): the service puts those parts before this file,
 * each registering a factory in window.__bannerParts. Strict mode stays (16 B):
 * a slip that assigned an undeclared name would otherwise write a global into
 * the customer's page. */
(function (w, d) {
  'use strict';
  const S = __BANNER_SETTINGS__;
  const nonce = d.currentScript?.nonce || '';
  const PENDING = 'banner_pending_' + S.site;
  const parts = w.__bannerParts || {};
  const kinds = {};
  const GATED = 'script[type="text/plain"][data-category],iframe[data-category][data-src]';
  const gpc = navigator.globalPrivacyControl === true;
  const running = new Set();
  const queue = [];
  let granted = null;
  let choice = null;
  let pending = null;
  let busy = false;
  let ui = null;
  let uiLoading = 0;
  let uiLayer = 0;
  let seen = 0;

  const language = () => {
    for (const tag of [d.documentElement.lang, ...navigator.languages]) {
      const m = /^(id|en)(?![a-z])/i.exec(tag);
      if (m) return m[1].toLowerCase();
    }
    return S.lang;
  };

  const has = (category) => {
    return category === 'essential' || !!granted?.includes(category);
  };

  const cookies = () => {
    return d.cookie.split(/; */).map((c) => c.split('='));
  };

  /* The token's payload is base64url JSON before the first dot; only servers
   * check its signature. Anything odd means no consent. */
  const parse = (token) => {
    try {
      const p = JSON.parse(atob(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));
      p.raw = token;
      if (p.s !== S.site) return;
      /* an older policy's choice: the UI says what changed since */
      if (p.v < S.v) seen = Math.max(seen, p.v);
      if (p.v >= S.v && Array.isArray(p.g) && p.t * 1e3 + S.days * 864e5 > Date.now() && typeof p.i === 'string') return p;
    } catch {
      /* not a token: no consent */
    }
  };

  /* Several values (one tossed in for a parent domain by another subdomain)
   * grant only what all of them grant: a tossed cookie can take consent away,
   * never add it. */
  const readChoice = () => {
    const all = cookies().filter((c) => c[0] === S.cookie).map((c) => parse(c[1] || ''));
    const valid = all.filter(Boolean).sort((a, b) => b.t - a.t);
    const newest = valid[0];
    if (newest) newest.g = newest.g.filter((c) => valid.every((p) => p.g.includes(c)));
    return newest;
  };

  const domain = () => {
    const cd = (S.domain || '').replace(/^\./, '');
    const host = location.hostname;
    return cd && (host === cd || host.endsWith('.' + cd)) ? cd : '';
  };

  const writeCookie = (name, value, days) => {
    const on = domain();
    d.cookie =
      name + '=' + value + '; Max-Age=' + days * 86400 + '; Path=/; SameSite=Lax' +
      (on ? '; Domain=' + on : '') + (location.protocol === 'https:' ? '; Secure' : '');
  };

  /* Deletes a cookie on the host and every parent domain it may sit on. */
  const expire = (name) => {
    const parts = location.hostname.split('.');
    for (let i = 0; i < parts.length; i++) {
      d.cookie = name + '=; Max-Age=0; Path=/' + (i ? '; Domain=' + parts.slice(i - 1).join('.') : '');
    }
  };

  /* Deletes cookies that only refused categories set. The service lists the
   * cookie name patterns of each category's trackers; a trailing * matches
   * any suffix. */
  const sweep = () => {
    for (const [name] of cookies()) {
      const owners = Object.keys(S.sweep).filter((c) =>
        S.sweep[c].some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p)),
      );
      if (owners.length && !owners.some(has)) expire(name);
    }
  };

  const load = (src, done) => {
    const s = d.createElement('script');
    s.src = src;
    s.async = true;
    s.nonce = nonce;
    s.onload = s.onerror = done || null;
    d.head.appendChild(s);
  };

  const ready = (fn) => {
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', fn);
    else fn();
  };

  const frames = () => {
    for (const f of d.querySelectorAll('iframe[data-category][data-src]')) {
      if (!has(f.dataset.category)) continue;
      running.add(f.dataset.category);
      f.src = f.dataset.src;
      delete f.dataset.src;
    }
  };

  const scripts = () => {
    for (const s of d.querySelectorAll('script[type="text/plain"][data-category]')) {
      if (has(s.dataset.category) && !queue.includes(s)) queue.push(s);
    }
    next();
  };

  /* Single-page apps add tagged scripts and frames after load: one observer
   * gates them like those in the HTML. It only tests the added elements, so
   * a page that adds nothing tagged pays almost nothing. */
  const watch = () => {
    new MutationObserver((records) => {
      if (!granted) return;
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.matches?.(GATED) || n.querySelector?.(GATED)) return frames(), scripts();
        }
      }
    }).observe(d.documentElement, { childList: true, subtree: true });
  };

  /* Re-creates one gated script (attributes and nonce carried over), in
   * document order; an external one must load before the next runs. */
  const next = () => {
    const old = queue.find((s) => s.isConnected && s.type === 'text/plain');
    if (busy || !old) return;
    const s = d.createElement('script');
    for (const a of old.attributes) {
      if (!/^(type|data-src|data-type|nonce)$/.test(a.name)) s.setAttribute(a.name, a.value);
    }
    if (old.dataset.type) s.type = old.dataset.type;
    if (old.dataset.src) s.src = old.dataset.src;
    s.nonce = old.nonce;
    running.add(old.dataset.category);
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

  const apply = (categories) => {
    const stopped = [...running].some((c) => !categories.includes(c));
    granted = categories;
    sweep();
    for (const t of S.trackers) kinds[t.kind].start(t, has(t.category));
    ready(frames);
    ready(scripts);
    d.dispatchEvent(new CustomEvent('banner:change', { detail: { granted: categories.slice() } }));
    if (stopped) location.reload();
    return stopped;
  };

  const remember = (body) => {
    pending = body;
    try {
      if (body) sessionStorage.setItem(PENDING, JSON.stringify(body));
      else sessionStorage.removeItem(PENDING);
    } catch {
      /* storage may be off; the retry then lasts only this page */
    }
  };

  const store = (token) => {
    remember(null);
    writeCookie(S.cookie, token, S.days);
    choice = readChoice();
  };

  /* Records the choice; on success stores the token and starts what was granted.
   * Until then nothing new starts; failures retry with backoff, same id. */
  const send = (attempt) => {
    const body = pending;
    fetch(S.api + 'api/v1/consent', {
      method: 'POST',
      body: JSON.stringify(body),
      credentials: S.domain ? 'include' : 'omit',
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((answer) => {
        if (body !== pending) return;
        store(answer.token);
        ui?.status(false);
        apply(answer.granted);
      })
      .catch((r) => {
        const status = r.status;
        if (body !== pending) return;
        /* the UI tells the visitor, or redraws a notice that changed (409) */
        ui?.status(r);
        /* A refusal (an outdated policy version, say) cannot succeed later:
         * drop it so the next page asks again; anything else is retried. */
        if (status >= 400 && status < 500 && status !== 429) remember(null);
        else if (attempt < 6) setTimeout(() => pending === body && send(attempt + 1), 1e3 << attempt);
      });
  };

  /* The hosted preference page returns cross-site with the new token and the
   * random state the UI kept in sessionStorage before leaving for it. A token
   * is taken only with that state (this browser asked for it), and never in
   * place of a choice of another consent id: a link crafted with someone
   * else's valid token must not grant or replace anything. */
  const adopt = (token, state) => {
    const p = parse(token);
    try {
      if (p && state === sessionStorage.getItem('banner_state') && (!choice || choice.i === p.i)) store(token);
    } catch {
      /* no storage: nothing was asked */
    }
  };

  /* ``fresh`` is a new random id from the UI, used on a first choice;
   * ``age``: the visitor ticked the age / guardian box; ``shown``: the
   * notice the UI drew, as the service handed it over (``notice_hash`` and
   * ``policy_version``). */
  const choose = (categories, fresh, age, shown) => {
    const id = choice?.i || pending?.consent_id || fresh;
    remember({
      ...shown,
      site: S.site,
      granted: categories,
      language: kernel.lang,
      consent_id: id,
      token: choice?.raw,
      gpc: gpc,
      page_path: location.pathname,
      age_confirmed: age === true,
    });
    /* A withdrawal takes effect at once; when running tags force a reload,
     * the fresh page sends the pending choice instead of this one. */
    if (!granted || !apply(granted.filter((c) => categories.includes(c)))) send(0);
  };

  /* The UI shows once both its script and its stylesheet have arrived. */
  const partLoaded = () => {
    if (++uiLoading === 2) ready(() => ui.show(uiLayer));
  };

  /* The UI's files are named by a hash of their bytes (S.ui). */
  const showBanner = (layer) => {
    uiLayer = layer;
    if (ui) return ui.show(layer);
    if (uiLoading) return;
    const base = S.api + 's/' + S.site + '/ui.' + S.ui;
    const css = d.createElement('link');
    css.rel = 'stylesheet';
    css.href = base + '.css';
    css.nonce = nonce;
    css.onload = css.onerror = partLoaded;
    d.head.appendChild(css);
    load(base + '.js');
  };

  const kernel = {
    token: () => choice?.raw || '',
    lang: language(),
    gpc: gpc,
    has: has,
    load: load,
    write: writeCookie,
    /* true the first time tracker t starts with its category granted, which
     * then counts as running (a later withdrawal reloads the page) */
    first: (t, on) => on && !t.started && (t.started = running.add(t.category)),
    decided: () => !!(choice || pending),
    seen: () => seen,
    choose: choose,
    mount: (view) => {
      ui = view;
      partLoaded();
    },
  };

  w.banner = {
    granted: has,
    open: () => showBanner(2),
    _k: kernel,
  };

  d.addEventListener('click', (e) => {
    if (e.target.closest?.('[data-banner-open]')) {
      e.preventDefault();
      showBanner(2);
    }
  });

  delete w.__bannerParts;
  for (const kind in parts) kinds[kind] = parts[kind](kernel);
  for (const t of S.trackers) kinds[t.kind].init?.(t);
  ready(watch);
  try {
    pending = JSON.parse(sessionStorage.getItem(PENDING));
  } catch {
    /* no storage: nothing pending */
  }
  if (pending && pending.policy_version !== S.v) remember(null);
  choice = readChoice();
  const passed = /banner_token=([\w.-]+)&banner_state=(\w+)/.exec(location.hash);
  if (passed) {
    history.replaceState(null, '', location.pathname + location.search);
    adopt(passed[1], passed[2]);
  }
  if (choice) {
    apply(pending ? choice.g.filter((c) => pending.granted.includes(c)) : choice.g);
  } else {
    sweep();
  }
  if (pending && !passed) send(0);
  else if (!choice) showBanner(1);
})(window, document);

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
  /* DOM clobbering: <img name="cookie"> or <form name="createElement"> on the
   * page shadows document's own members. The gate (and the UI, through the
   * kernel) reads them from the prototype, where no markup can reach. */
  const D = Object.getPrototypeOf(d);
  d = new Proxy(d, {
    get: (t, n) => {
      const v = Reflect.get(D, n, t);
      return typeof v == 'function' ? v.bind(t) : v;
    },
    set: (t, n, v) => Reflect.set(D, n, v, t),
  });
  const me = d.currentScript;
  const nonce = me?.nonce || '';
  /* a subject token: the page vouches for its signed-in person (subject.js) */
  const sj = me?.dataset.subject;
  const PENDING = 'banner_pending_' + S.site;
  const VOUCHED = 'banner_vouched_' + S.site;
  const parts = w.__bannerParts || {};
  const kinds = {};
  const GATED = 'script[type="text/plain"][data-category],iframe[data-category][data-src]';
  /* embeds that wait for a category: each shows a placeholder (embeds.js) */
  const EMBEDS = 'iframe[data-category][data-src],[data-banner-embed][data-category]';
  const warned = new Set();
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
  let failed = 0;
  let renewed = 0;

  const language = () => {
    for (const tag of [d.documentElement.lang, ...navigator.languages]) {
      const m = /^(id|en)(?![a-z])/i.exec(tag);
      if (m) return m[1].toLowerCase();
    }
    return S.lang;
  };

  /* One part's failure (a page global that is not what it must be, a bug)
   * never stops the decision being sent, nor another part being stopped. */
  const guard = (f, ...a) => {
    try {
      return f(...a);
    } catch (e) {
      console.warn('banner:', e);
    }
  };

  /* Tells the site's other tabs of a decision; without it, they hear the
   * pending decision being written to localStorage (the storage event). */
  const channel = guard(() => new BroadcastChannel('banner_' + S.site));

  /* 32 hex characters from the browser's CSPRNG: a decision's retry_key, a fresh id. */
  const rnd = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join('');

  /* Storage may be off (reading window.localStorage itself throws then) or
   * full: reads then give nothing, writes do nothing. */
  const keep = (name, key, value) =>
    guard(() => {
      const store = w[name];
      return value === undefined ? store.getItem(key) : value === null ? store.removeItem(key) : store.setItem(key, value);
    });

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
   * never add it. The one the service vouched for names the choice. */
  const vouched = (c) => keep('localStorage', VOUCHED) === c.raw;

  const readChoice = () => {
    const all = cookies().filter((c) => c[0] === S.cookie).map((c) => parse(c[1] || ''));
    const valid = all.filter(Boolean).sort((a, b) => vouched(b) - vouched(a) || b.t - a.t);
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

  /* Deletes a cookie on the host and every parent domain it may sit on, on
   * every path it may have been set for (each prefix of this page's path). */
  const expire = (name) => {
    const parts = location.hostname.split('.');
    const steps = location.pathname.split('/');
    for (let j = 1; j <= steps.length; j++) {
      for (const path of new Set([steps.slice(0, j).join('/') || '/', steps.slice(0, j).join('/') + '/'])) {
        for (let i = 0; i < parts.length; i++) {
          d.cookie = name + '=; Max-Age=0; Path=' + path + (i ? '; Domain=' + parts.slice(i - 1).join('.') : '');
        }
      }
    }
  };

  /* Deletes cookies and localStorage / sessionStorage keys that only refused
   * categories set. The service lists the name patterns of each category's
   * trackers; a trailing * matches any suffix. */
  const refused = (name) => {
    /* never the consent cookie nor banner's own keys (a pending withdrawal) */
    if (name === S.cookie || name.startsWith('banner_')) return;
    const owners = Object.keys(S.sweep).filter((c) =>
      S.sweep[c].some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p)),
    );
    return owners.length && !owners.some(has);
  };

  const sweep = () => {
    for (const [name] of cookies()) if (refused(name)) expire(name);
    for (const store of [localStorage, sessionStorage]) {
      for (const key of Object.keys(store)) if (refused(key)) store.removeItem(key);
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
    const run = () => guard(fn);
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', run);
    else run();
  };

  /* Only http(s) URLs (relative ones included) are ever copied into src:
   * javascript:, data:, blob: and the like stay inert. */
  const safe = (url) => {
    if (guard(() => /^https?:$/.test(new URL(url, d.baseURI).protocol))) return url;
    console.warn('banner: not loaded, not an http(s) URL:', url);
  };

  /* A tagged element of a category the site does not ask for can never be
   * granted: it stays blocked, and the console says so once per category. */
  const unasked = () => {
    for (const e of d.querySelectorAll('[data-category]')) {
      const c = e.dataset.category;
      if (has(c) || S.cats.includes(c) || warned.has(c)) continue;
      warned.add(c);
      console.warn('banner: not a category of this site, kept blocked:', c);
    }
  };

  /* Placeholders for blocked embeds come in a part of their own, fetched
   * only when the page has an embed still waiting for its category. */
  let embeds = 0;
  const placeholders = () => {
    if (embeds || ![...d.querySelectorAll(EMBEDS)].some((e) => !has(e.dataset.category))) return;
    embeds = 1;
    load(S.api + 's/' + S.site + '/embeds.js');
  };

  const frames = () => {
    for (const f of d.querySelectorAll('iframe[data-category][data-src]')) {
      if (!has(f.dataset.category)) continue;
      running.add(f.dataset.category);
      if (safe(f.dataset.src)) f.src = f.dataset.src;
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

  /* Tags that ran cannot be unloaded: a page whose running tags lost their
   * category reloads. Another tab (``away``) reloads only while hidden, so
   * nothing the visitor sees there is lost; until then its trackers are
   * revoked and swept like this one's. */
  const reload = () => (d.hidden ? location.reload() : d.addEventListener('visibilitychange', reload, { once: true }));

  const apply = (categories, away) => {
    const stopped = [...running].some((c) => !categories.includes(c));
    granted = categories;
    guard(sweep);
    for (const t of S.trackers) guard(() => kinds[t.kind].start(t, has(t.category)));
    ready(frames);
    ready(scripts);
    ready(unasked);
    d.dispatchEvent(new CustomEvent('banner:change', { detail: { granted: categories.slice() } }));
    if (stopped) away ? reload() : location.reload();
    return stopped;
  };

  /* A decision waiting for the service is kept in localStorage: it is sent
   * again on the next page view and holds in every tab until it lands.
   * True when it was kept. */
  const remember = (body) => {
    pending = body;
    keep('localStorage', PENDING, body && JSON.stringify(body));
    return keep('localStorage', PENDING) == (body && JSON.stringify(body));
  };

  const store = (token) => {
    remember(null);
    writeCookie(S.cookie, token, S.days);
    choice = readChoice();
  };

  /* A decision that takes something away from the current choice. */
  const withdraws = (body) => !!choice?.g.some((c) => !body.granted.includes(c));

  const status = (failure) => {
    failed = failure;
    ui ? ui.status(failure) : failure && showBanner(0);
  };

  /* Records the choice; on success stores the token and starts what was granted.
   * Until then nothing new starts, and what was taken away stays off (the
   * gate never fails open). A retry carries the decision's retry_key, so the
   * service can tell it from a new decision. */
  const send = (attempt) => {
    const body = pending;
    fetch(S.api + 'api/v1/consent', {
      method: 'POST',
      body: JSON.stringify(body),
      credentials: S.domain ? 'include' : 'omit',
    })
      .then((r) => r.json().then((a) => (r.ok ? a : Promise.reject([r.status, a.error, a]))))
      .then((answer) => {
        if (body !== pending) return;
        keep('localStorage', VOUCHED, answer.token);
        store(answer.token);
        status(0);
        apply(answer.granted);
      })
      .catch((e) => {
        if (body !== pending) return;
        /* This browser cannot prove the id (a lost answer, or someone else
         * wrote to it): the decision is recorded under a new id (once a page:
         * a service that refuses that too is retried like any refusal). */
        if (e[1] === 'token_required' && !renewed++) {
          body.consent_id = rnd();
          delete body.token;
          remember(body);
          return send(attempt);
        }
        /* 409: the notice shown is of an older policy; nothing was recorded.
         * The current UI (named in the answer) asks again (ui.js, stale). */
        if (e[0] === 409 && e[2]?.ui && ui) return remember(null), ui.stale(e[2]);
        status(withdraws(body) ? 2 : 1);
        /* A refused grant leaves the earlier choice (the more restrictive
         * one); a withdrawal is never dropped: it is retried, with backoff,
         * on this page and the next ones. */
        if (e[0] < 500 && e[0] !== 429 && !withdraws(body)) remember(null);
        else setTimeout(() => pending === body && send(attempt + 1), 1e3 << Math.min(attempt, 6));
      });
  };

  /* The hosted preference page returns cross-site with the new token and the
   * random state the UI kept in sessionStorage before leaving for it. A token
   * is taken only with that state (this browser asked for it), and never in
   * place of a choice of another consent id: a link crafted with someone
   * else's valid token must not grant or replace anything. */
  const adopt = (token, state) => {
    const p = parse(token);
    const kept = keep('sessionStorage', 'banner_state');
    /* single use: an old link in this tab's history cannot bring back an older choice */
    keep('sessionStorage', 'banner_state', null);
    if (p && kept && state === kept && (!choice || (choice.i === p.i && p.t >= choice.t))) store(token);
  };

  /* ``fresh`` is a new random id from the UI, used on a first choice;
   * ``age``: the visitor ticked the age / guardian box; ``shown``: the
   * notice the UI (or a placeholder) drew, as the service handed it over
   * (``notice_hash``, ``policy_version``; a placeholder adds its ``source``). */
  const choose = (categories, fresh, age, shown) => {
    sync();
    const id = choice?.i || pending?.consent_id || fresh;
    ui?.hide?.();
    const held = remember({
      ...shown,
      site: S.site,
      granted: categories,
      language: kernel.lang,
      consent_id: id,
      token: choice?.raw,
      retry_key: rnd(),
      gpc: gpc,
      page_path: location.pathname,
      age_confirmed: age === true,
      subject: sj,
    });
    /* A withdrawal takes effect at once, in every tab of the site; when
     * running tags force a reload, the fresh page sends the pending choice
     * instead of this one. Where storage cannot keep it, this page sends it
     * and reloads only once it landed (the cookie then holds it). */
    channel?.postMessage(categories);
    if (!granted || !guard(apply, granted.filter((c) => categories.includes(c)), !held) || !held) send(0);
  };

  /* Another tab's decision: what it took away stops here too (nothing is
   * granted from afar), and a newer token it stored is taken once vouched
   * for (a decision made here then changes the latest row). */
  const sync = (categories) => {
    const c = readChoice();
    if (c && vouched(c)) choice = c;
    if (granted && Array.isArray(categories)) apply(granted.filter((x) => categories.includes(x)), 1);
  };

  /* The UI shows once both its script and its stylesheet have arrived. */
  const partLoaded = () => {
    if (++uiLoading === 2) ready(() => (ui.show(uiLayer), ui.status(failed)));
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
    d: d,
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
    cats: S.cats,
    S: S,
    sj: sj,
    go: go,
    open: () => showBanner(2),
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
  /* Only the kinds the site configures, and only functions: a clobbered
   * __bannerParts (an element) holds nothing else the gate would call. */
  for (const t of S.trackers) kinds[t.kind] = kinds[t.kind] || guard(parts[t.kind], kernel) || {};
  for (const t of S.trackers) guard(() => kinds[t.kind].init?.(t));
  ready(watch);
  ready(placeholders);
  pending = guard(() => JSON.parse(keep('localStorage', PENDING)));
  if (pending && pending.policy_version !== S.v) remember(null);
  choice = readChoice();
  const passed = /banner_token=([\w.-]+)&banner_state=(\w+)/.exec(location.hash);
  if (passed) {
    history.replaceState(null, '', location.pathname + location.search);
    adopt(passed[1], passed[2]);
  }
  if (channel) channel.onmessage = (e) => sync(e.data);
  else w.addEventListener('storage', (e) => e.key === PENDING && e.newValue && sync(guard(JSON.parse, e.newValue)?.granted));

  const begin = () => {
    if (choice) {
      apply(pending ? choice.g.filter((c) => pending.granted.includes(c)) : choice.g);
    } else {
      guard(sweep);
      ready(unasked);
    }
    if (pending && !passed) send(0);
    else if (!choice) showBanner(1);
  };

  /* A cookie this browser did not get from the service (written by a page
   * script, another subdomain, a forged link) grants nothing until the
   * service has vouched for it once; the verdict is kept with the token, so
   * a returning visit stays one request. A bad one counts as no choice: the
   * banner asks, and the visitor's answer is the cookie vouched for next. */
  function go() {
    choice = readChoice();
    if (choice && !vouched(choice)) {
      const unsure = choice;
      choice = null;
      fetch(S.api + 'api/v1/verify', { method: 'POST', body: JSON.stringify({ site: S.site, token: unsure.raw }) })
        .then((r) => r.json())
        .then((v) => {
          if (v.valid) keep('localStorage', VOUCHED, unsure.raw), (choice = unsure);
          if (v.valid !== undefined) begin();
        }, () => {});
    } else begin();
  }
  /* A signed-in person's page: the subject part first brings this browser the
   * person's current choice (from any device), then goes on; nothing starts before. */
  sj ? load(S.api + 's/' + S.site + '/subject.' + S.ui + '.js') : go();
})(window, document);

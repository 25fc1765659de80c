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
  const gpc = navigator.globalPrivacyControl === true;
  const running = new Set();
  let granted = null;
  let ui = null;
  let uiLoading = 0;
  let uiLayer = 0;
  let seen = 0;

  /* One part's failure (a page global that is not what it must be, a bug)
   * never stops the decision being sent, nor another part being stopped. */
  const guard = (f, ...a) => {
    try {
      return f(...a);
    } catch (e) {
      console.warn('banner:', e);
    }
  };

  /* Storage may be off (reading window.localStorage itself throws then) or
   * full: reads then give nothing, writes do nothing. */
  const keep = (name, key, value) =>
    guard(() => w[name][value === undefined ? 'getItem' : value === null ? 'removeItem' : 'setItem'](key, value));

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
    /* a cookie without a value is no token: parse throws on it, inside its try */
    const all = cookies().filter((c) => c[0] === S.cookie).map((c) => parse(c[1]));
    const valid = all.filter(Boolean).sort((a, b) => vouched(b) - vouched(a) || b.t - a.t);
    const newest = valid[0];
    if (newest) newest.g = newest.g.filter((c) => valid.every((p) => p.g.includes(c)));
    return newest;
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

  /* The deleting is done by the send chunk, fetched only when there is
   * something to delete. */
  const sweep = () => {
    const names = [...cookies().map((c) => c[0]), ...Object.keys(localStorage), ...Object.keys(sessionStorage)];
    if (names.some(refused)) need('send', (c) => c.purge());
  };

  /* A script (or the UI's stylesheet) with the page's nonce; ``done`` runs
   * once it loaded or failed. */
  const add = (tag, props, done) =>
    d.head.appendChild(Object.assign(d.createElement(tag), props, { nonce: nonce, onload: done, onerror: done }));
  const load = (src, done) => add('script', { src: src, async: true }, done);

  const ready = (fn) => {
    const run = () => guard(fn);
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', run);
    else run();
  };

  /* Tagged scripts, frames and embeds (anything with data-category) are
   * handled by the tags chunk (tags.js), fetched only on a page that has
   * one: it starts those granted, warns of unknown categories and fetches
   * the placeholders of blocked embeds. Until it runs, they stay blocked. */
  const tagged = () => d.querySelector('[data-category]') && need('tags', (c) => c.scan());

  /* Single-page apps add tagged scripts and frames after load: one observer
   * hands them to the tags chunk. It only tests the added elements, so a
   * page that adds nothing tagged pays almost nothing. */
  const watch = () => {
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) if (n.matches?.('[data-category]') || n.querySelector?.('[data-category]')) return tagged();
      }
    }).observe(d.documentElement, { childList: true, subtree: true });
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
    ready(tagged);
    d.dispatchEvent(new CustomEvent('banner:change', { detail: { granted: categories.slice() } }));
    if (stopped) away ? reload() : location.reload();
    return stopped;
  };

  /* Another tab's decision: what it took away stops here too (nothing is
   * granted from afar), and a newer token it stored is taken once vouched
   * for (a decision made here then changes the latest row). */
  const sync = (categories) => {
    const c = readChoice();
    if (c && vouched(c)) inner.choice = c;
    if (granted && Array.isArray(categories)) apply(granted.filter((x) => categories.includes(x)), 1);
  };

  /* Chunks: code a page view needs only sometimes comes in a file of its
   * own, ui.<S.ui>.<name>.js (one hash names every file of the UI set, so
   * they change together). need(name, fn) loads the chunk once and calls
   * fn(chunk) when it is there; ``src`` names another file of that chunk
   * (a UI taking over from an outdated one asks for its own set's). A chunk registers itself as tracker parts
   * do, (window.__bannerParts ||= {}).NAME = (kernel, inner) => chunk; the
   * gate takes it once the file ran. A chunk that does not arrive is asked
   * for again (three times); until it comes its work waits: nothing it would
   * start starts (the gate never fails open).
   * To add a chunk NAME: write static/src/NAME.js in that shape, add it to
   * build.sh and to CHUNKS in banner/web/site_files.py, and call
   * need('NAME', fn) where the gate sees the page needs it (a few bytes). */
  const chunks = {};
  const need = (name, fn, src = base + '.' + name + '.js') => {
    const c = (chunks[src] = chunks[src] || []);
    if (c.x) return guard(fn, c.x);
    /* A chunk that did not come (a 503 while the service reloads, a dropped
     * connection) is asked for again after 1, 2 and 4 s, with the work
     * waiting on it: that may be the visitor's decision, a withdrawal too,
     * which would otherwise be dropped without a word. */
    const get = (n) =>
      load(src, () => {
        c.x = guard(() => w.__bannerParts[name](kernel, inner));
        if (c.x) for (const f of c.splice(0)) guard(f, c.x);
        else if (n < 3) setTimeout(get, 1e3 << n, n + 1);
      });
    if (c.push(fn) < 2) get(0);
  };

  const base = S.api + 's/' + S.site + '/ui.' + S.ui;

  /* The UI shows once both its script and its stylesheet have arrived. */
  const partLoaded = () => {
    if (++uiLoading === 2) ready(() => (ui.show(uiLayer), ui.report(inner.failed)));
  };

  /* The UI's files are named by a hash of their bytes (S.ui), asked for once. */
  let asked = 0;
  const fetchUI = () => asked++ || (add('link', { rel: 'stylesheet', href: base + '.css' }, partLoaded), load(base + '.js'));

  /* A reopened layer fetches the decision's chunk beside the UI (the UI
   * fetches its second layer itself: asked here too, it would run twice). */
  const showBanner = (layer) => {
    uiLayer = layer;
    if (layer > 1) need('send', Boolean);
    ui ? ui.show(layer) : fetchUI();
  };

  /* A browser without a consent cookie most likely needs the banner: its
   * files are asked for now, before storage is read and the parts run. It
   * shows only once the gate decides so (begin); until then layer 0 draws
   * nothing. (A signed-in person's choice may come from another device.) */
  if (!sj && !d.cookie.includes(S.cookie + '=')) fetchUI();

  /* Tells the site's other tabs of a decision; without it, they hear the
   * pending decision being written to localStorage (the storage event). */
  const channel = guard(() => new BroadcastChannel('banner_' + S.site));

  const open = () => showBanner(2);

  /* The gate's own state, for its chunks only (the sending of a decision). */
  const inner = {
    show: showBanner,
    keep: keep,
    parseToken: parse,
    readChoice: readChoice,
    applyGrants: apply,
    refused: refused,
    cookieList: cookies,
    /* the decision's status for the UI (send.js): 0 saved, 1 a choice not
     * saved yet, 2 a withdrawal not saved yet */
    failed: 0,
    sync: sync,
    channel: channel,
    guard: guard,
    running: running,
    /* starts what the choice grants; a decision still pending (kept in
     * localStorage) is sent by the chunk (``passed``, the token the hosted
     * page passed back, is read before anything calls begin) */
    begin() {
      if (inner.choice) {
        apply(inner.pending ? inner.choice.g.filter((c) => inner.pending.granted.includes(c)) : inner.choice.g);
      } else {
        guard(sweep);
      }
      if (inner.pending && !passed) need('send', (c) => c.resend(0));
      else if (!inner.choice) return showBanner(1);
      /* No first layer for this page view: one the site's back end drew (its
       * request carried no consent cookie: a cross-site POST, a shared cache)
       * goes once parsed, never left with buttons that do nothing. */
      ready(() => d.querySelectorAll('.bn-drawn').forEach((n) => n.remove()));
    },
    /* the choice read from the cookie, the decision not saved yet: plain
     * members, set by the gate and by the send chunk */
    choice: null,
    pending: null,
    get grantedNow() {
      return granted;
    },
    get view() {
      return ui;
    },
  };

  const kernel = {
    d: d,
    currentToken: () => inner.choice?.raw || '',
    /* the language drawn: set by the UI or a placeholder (ui.js, embeds.js) */
    lang: '',
    gpcOn: gpc,
    allows: has,
    loadScript: load,
    need: need,
    attach: add,
    /* writes a first-party cookie (the send chunk does it: a tracker part
     * such as referral's, and the consent cookie) */
    write: (...a) => need('send', (c) => c.write(...a)),
    /* true the first time tracker t starts with its category granted, which
     * then counts as running (a later withdrawal reloads the page) */
    first: (t, on) => on && !t.started && (t.started = running.add(t.category)),
    decided: () => !!(inner.choice || inner.pending),
    seen: () => seen,
    /* the decision is recorded by the send chunk (send.js) */
    choose: (...a) => need('send', (c) => c.choose(...a)),
    /* the site's settings, for every chunk (its categories for the UI, its
     * address for the chunks; the default language is the UI's own) */
    S: S,
    /* for the subject part (subject.js): the subject token, and go on once
     * it brought the person's choice (after any cookie it wrote) */
    sj: sj,
    go: () => (chunks[base + '.send.js']?.length ? need('send', go) : go()),
    reopen: open,
    mount: (view) => {
      ui = view;
      partLoaded();
    },
  };

  w.banner = {
    granted: has,
    open: open,
    _k: kernel,
  };

  d.addEventListener('click', (e) => {
    if (e.target.closest?.('[data-banner-open]')) {
      e.preventDefault();
      open();
    }
  });

  /* The chunks register where the parts did: from now on an own property
   * of window, which no markup named __bannerParts shows through (a form
   * with an input named send would otherwise stand in for the chunk). */
  w.__bannerParts = {};
  /* Only the kinds the site configures, and only functions: a clobbered
   * __bannerParts (an element) holds nothing else the gate would call. Each
   * kind's factory runs once, before its first tracker's init, in the order
   * of the trackers (Consent Mode's first: its default precedes every Google
   * tag); a part that throws is left out, and the others run. */
  for (const t of S.trackers) guard(() => (kinds[t.kind] = kinds[t.kind] || parts[t.kind](kernel)).init?.(t));
  ready(watch);
  ready(tagged);
  inner.pending = guard(() => JSON.parse(keep('localStorage', PENDING)));
  /* A pending grant made under an older policy is void. A pending refusal or
   * withdrawal is sent all the same: it needs no notice, and the service keeps
   * it under the notice it was made on (a withdrawal is never dropped). */
  if (inner.pending?.policy_version !== S.v && inner.pending?.granted?.length !== 0) inner.pending = keep('localStorage', PENDING, null);
  inner.choice = readChoice();
  if (channel) channel.onmessage = (e) => sync(e.data);
  else w.addEventListener('storage', (e) => e.key === PENDING && e.newValue && sync(guard(JSON.parse, e.newValue)?.granted));
  const passed = /banner_token=([\w.-]+)&banner_state=(\w+)/.exec(location.hash);

  /* Reads the choice afresh and goes on. A cookie this browser did not get
   * from the service (written by a page script, another subdomain, a forged
   * link) grants nothing until the service has vouched for it once (the
   * chunk asks; the verdict is kept with the token, so a returning visit
   * stays one request). A signed-in person's page (a loader tag with
   * data-subject): the subject part first brings this browser the person's
   * current choice, then calls go; nothing starts before. The subject part
   * is named by the UI set's hash too (subject.<S.ui>.js). */
  const go = () => {
    const c = (inner.choice = readChoice());
    if (c && !vouched(c)) {
      inner.choice = null;
      need('send', (s) => s.verify(c));
    } else inner.begin();
  };
  const run = () => (sj ? load(S.api + 's/' + S.site + '/subject.' + S.ui + '.js') : go());

  /* The token the hosted preference page passed back is taken by the chunk. */
  if (passed) {
    history.replaceState(null, '', location.pathname + location.search);
    need('send', (c) => (c.adopt(passed[1], passed[2]), run()));
  } else run();
})(window, document);

/* banner send chunk: records a decision, and vouches for a cookie.
 * The gate loads it only when it is needed: a decision is made (the UI's or
 * a placeholder's button), a decision is still pending in localStorage (it
 * is sent again, with backoff, until it lands), the consent cookie was not
 * yet vouched for by the service (/api/v1/verify, once per token), or the
 * hosted preference page passed a token back. A returning visitor with a
 * vouched cookie never downloads it. It also deletes what refused
 * categories left (the gate fetches it when it finds such a cookie or
 * key) and writes cookies. It works on the gate's own state, which the
 * gate hands over as ``g`` (gate.js, inner); ``K`` is the kernel.
 * It registers itself as a tracker part does; the gate takes it. */
(window.__bannerParts = window.__bannerParts || {}).send = (K, g) => {
  'use strict';
  const S = K.S;
  const PENDING = 'banner_pending_' + S.site;
  const VOUCHED = 'banner_vouched_' + S.site;
  let renewed = 0;

  const domain = () => {
    const cd = (S.domain || '').replace(/^\./, '');
    const host = location.hostname;
    return cd && (host === cd || host.endsWith('.' + cd)) ? cd : '';
  };

  const writeCookie = (name, value, days) => {
    const on = domain();
    K.d.cookie =
      name + '=' + value + '; Max-Age=' + days * 86400 + '; Path=/; SameSite=Lax' +
      (on ? '; Domain=' + on : '') + (location.protocol === 'https:' ? '; Secure' : '');
  };


  /* 32 hex characters from the browser's CSPRNG: a decision's retry_key, a fresh id. */
  const rnd = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join('');

  /* The decision's status for the UI: 0 saved, 1 a choice not saved yet, 2
   * a withdrawal not saved yet (a UI is loaded to say so). */
  const status = (failure) => {
    g.failed = failure;
    g.view ? g.view.report(failure) : failure && g.show(0);
  };

  /* A decision waiting for the service is kept in localStorage: it is sent
   * again on the next page view and holds in every tab until it lands.
   * True when it was kept. */
  const remember = (body) => {
    const text = body && JSON.stringify(body);
    g.pending = body;
    g.keep('localStorage', PENDING, text);
    return g.keep('localStorage', PENDING) == text;
  };

  const store = (token) => {
    remember(null);
    writeCookie(S.cookie, token, S.days);
    g.choice = g.readChoice();
  };

  /* A decision that takes something away from the current choice. */
  const withdraws = (body) => !!g.choice?.g.some((c) => !body.granted.includes(c));

  /* Records the choice; on success stores the token and starts what was granted.
   * Until then nothing new starts, and what was taken away stays off (the
   * gate never fails open). A retry carries the decision's retry_key, so the
   * service can tell it from a new decision. */
  const send = (attempt) => {
    const body = g.pending;
    fetch(S.api + 'api/v1/consent', {
      method: 'POST',
      body: JSON.stringify(body),
      credentials: S.domain ? 'include' : 'omit',
    })
      .then((r) => r.json().then((a) => (r.ok ? a : Promise.reject([r.status, a.error, a]))))
      .then((answer) => {
        if (body !== g.pending) return;
        g.keep('localStorage', VOUCHED, answer.token);
        store(answer.token);
        status(0);
        g.applyGrants(answer.granted);
        /* a refusal kept under an older notice: its token is void for the
         * current one, so the visitor is asked again (nothing runs meanwhile) */
        if (!g.choice) g.show(1);
      })
      .catch((e) => {
        if (body !== g.pending) return;
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
        if (e[0] === 409 && e[2]?.ui && g.view) return remember(null), g.view.stale(e[2]);
        status(withdraws(body) ? 2 : 1);
        /* A refused grant leaves the earlier choice (the more restrictive
         * one); a withdrawal is never dropped: it is retried, with backoff,
         * on this page and the next ones. */
        if (e[0] < 500 && e[0] !== 429 && !withdraws(body)) remember(null);
        else setTimeout(() => g.pending === body && send(attempt + 1), 1e3 << Math.min(attempt, 6));
      });
  };

  /* Deletes cookies and localStorage / sessionStorage keys that only refused
   * categories set (the gate's refused() tells which). */
  /* Deletes a cookie on the host and every parent domain it may sit on, on
   * every path it may have been set for (each prefix of this page's path). */
  const expire = (name) => {
    const parts = location.hostname.split('.');
    const steps = location.pathname.split('/');
    for (let j = 1; j <= steps.length; j++) {
      for (const path of new Set([steps.slice(0, j).join('/') || '/', steps.slice(0, j).join('/') + '/'])) {
        for (let i = 0; i < parts.length; i++) {
          K.d.cookie = name + '=; Max-Age=0; Path=' + path + (i ? '; Domain=' + parts.slice(i - 1).join('.') : '');
        }
      }
    }
  };

  const sweep = () => {
    const refused = g.refused;
    for (const [name] of g.cookieList()) if (refused(name)) expire(name);
    for (const store of [localStorage, sessionStorage]) {
      for (const key of Object.keys(store)) if (refused(key)) store.removeItem(key);
    }
  };

  return {
    resend: send,
    write: writeCookie,
    purge: sweep,

    /* ``fresh`` is a new random id from the UI, used on a first choice;
     * ``age``: the visitor ticked the age / guardian box; ``shown``: the
     * notice the UI (or a placeholder) drew, as the service handed it over
     * (``notice_hash``, ``policy_version``; a placeholder adds its ``source``). */
    choose: (categories, fresh, age, shown) => {
      g.sync();
      const choice = g.choice;
      const id = choice?.i || g.pending?.consent_id || fresh;
      g.view?.hide?.();
      const held = remember({
        ...shown,
        site: S.site,
        granted: categories,
        language: K.lang,
        consent_id: id,
        token: choice?.raw,
        retry_key: rnd(),
        gpc: K.gpcOn,
        page_path: location.pathname,
        age_confirmed: age === true,
        subject: K.sj,
      });
      /* A withdrawal takes effect at once, in every tab of the site; when
       * running tags force a reload, the fresh page sends the pending choice
       * instead of this one. Where storage cannot keep it, this page sends it
       * and reloads only once it landed (the cookie then holds it). */
      g.channel?.postMessage(categories);
      const granted = g.grantedNow;
      if (!granted || !g.guard(g.applyGrants, granted.filter((c) => categories.includes(c)), !held) || !held) send(0);
    },

    /* The hosted preference page returns cross-site with the new token and
     * the random state the UI kept in sessionStorage before leaving for it.
     * A token is taken only with that state (this browser asked for it), and
     * never in place of a choice of another consent id: a link crafted with
     * someone else's valid token must not grant or replace anything. */
    adopt: (token, state) => {
      const p = g.parseToken(token);
      const kept = g.keep('sessionStorage', 'banner_state');
      /* single use: an old link in this tab's history cannot bring back an older choice */
      g.keep('sessionStorage', 'banner_state', null);
      const choice = g.choice;
      if (p && kept && state === kept && (!choice || (choice.i === p.i && p.t >= choice.t))) store(token);
    },

    /* A cookie the service has not vouched for yet: asked once, and the
     * verdict kept with the token. A bad one counts as no choice: the
     * banner asks, and the visitor's answer is the cookie vouched for next.
     * No answer (the service unreachable) starts nothing. */
    verify: (unsure) =>
      fetch(S.api + 'api/v1/verify', { method: 'POST', body: JSON.stringify({ site: S.site, token: unsure.raw }) })
        .then((r) => r.json())
        .then(
          (v) => {
            if (v.valid) g.keep('localStorage', VOUCHED, unsure.raw), (g.choice = unsure);
            if (v.valid !== undefined) g.begin();
          },
          () => {},
        ),
  };
};

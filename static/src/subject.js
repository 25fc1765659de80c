/* banner subject part: loaded by the gate only on a page whose loader tag has
 * data-subject, the token the site's back end made for its signed-in person.
 * Before anything starts, it asks the service for that person's current
 * choice: a browser with none, or an older one, gets it (a sync row and its
 * token) without seeing the banner. Then the gate goes on as usual, starting
 * only what the choice grants and deleting the cookies of what it refuses.
 * The answer holds for [banner] loader_max_age seconds in this tab for the
 * same person and token, the bound on how late a change made elsewhere
 * arrives. If the service cannot answer, nothing starts (never fail open). */
(function (w) {
  'use strict';
  const k = w.banner?._k;
  if (!k?.sj || typeof k.go != 'function') return;
  const S = k.S;
  const MARK = 'banner_subject_' + S.site;
  const keep = (name, key, value) => {
    try {
      return value === undefined ? w[name].getItem(key) : w[name].setItem(key, value);
    } catch {
      /* storage off or full: asked again next time */
    }
  };
  const raw = k.currentToken();
  let id;
  try {
    id = JSON.parse(atob(raw.split('.')[0].replace(/-/g, '+').replace(/_/g, '/'))).i;
  } catch {
    /* no token: a browser without a choice */
  }
  /* the person the page names (the token's user part), and the consent held */
  const person = k.sj.split('.')[3];
  let last;
  try {
    last = JSON.parse(keep('sessionStorage', MARK));
  } catch {
    /* none kept */
  }
  const fresh = last && last.p === person && last.r === raw && Date.now() - last.t < last.f * 1e3;
  /* a decision of this browser still on its way carries the subject itself */
  if (fresh || keep('localStorage', 'banner_pending_' + S.site)) return k.go();
  fetch(S.api + 'api/v1/subject/sync', {
    method: 'POST',
    body: JSON.stringify({
      site: S.site,
      subject: k.sj,
      consent_id: typeof id == 'string' ? id : undefined,
      token: raw || undefined,
      page_path: location.pathname,
    }),
    credentials: S.domain ? 'include' : 'omit',
  })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then(
      (a) => {
        let held = raw;
        if (a.state === 'sync' && typeof a.token == 'string') {
          held = a.token;
          keep('localStorage', 'banner_vouched_' + S.site, held);
          k.write(S.cookie, held, S.days);
        }
        /* the choice held here is another signed-in person's: this one is asked */
        if (a.state === 'ask') k.write(S.cookie, (held = ''), 0);
        keep('sessionStorage', MARK, JSON.stringify({ p: person, r: held, t: Date.now(), f: +a.fresh || 0 }));
        k.go();
      },
      (e) => {
        /* a token the service refuses (expired on a page left open): as anonymous */
        if (e === 400) return k.go();
        console.warn('banner: the signed-in choice could not be fetched; nothing starts', e);
      },
    );
})(window);

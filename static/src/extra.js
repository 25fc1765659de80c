/* banner extra chunk: what the first layer draws only sometimes, so a plain
 * first visit never downloads it. The status of a decision (its toast, and
 * what the live region says: saved, or not saved yet), fetched by ui.js once
 * there is a status to give, and the note that the banner is open for a
 * visitor busy in the page; the change notice (for a returning visitor whose
 * notice changed since their choice), the age / guardian box (a site that
 * asks for it), the note that Global Privacy Control is honoured (a browser
 * that sends it): ui.js fetches it before the banner shows then. With its stylesheet, extra.css. The service replaces
 * the sentinel with, per language, the texts only this chunk draws (the
 * changes are the first layer's: it tells from them whether to fetch this
 * first); the hash the decision carries is the whole document's, which the
 * first layer (ui.js) holds. Every text is set with
 * textContent. It registers itself as a tracker part does; ui.js calls what
 * it returns with its own helpers (``u``). */
(window.__bannerParts = window.__bannerParts || {}).extra = (K) => {
  'use strict';
  let toast = null;
  let failure = 0;

  const x = {
    /* per language, the texts only this chunk draws */
    t: __BANNER_EXTRA__,
    /* the visitor ticked the age / guardian box (one state for both layers) */
    aged: false,
    /* 0: saved; 1: a choice not saved yet; 2: a withdrawal not saved yet (it
     * holds in this browser meanwhile, and the gate keeps sending it).
     * ``failed`` undefined: the same status, drawn again in a redrawn UI;
     * ``deciding``: the visitor's own decision is being saved. */
    report: (u, failed = failure, quiet, deciding) => {
      const T = x.t[u.lang];
      const text = failed === 2 ? T.withdraw_failed : T.save_failed;
      if (!u.root.contains(toast)) {
        toast = u.el('div', 'bn-toast', null, u.root);
        u.el('p', null, text, toast);
        u.button(T.close, () => (toast.hidden = true), toast, 'bn-lang');
        toast.hidden = !failure;
      }
      /* a retry that fails again neither re-opens a closed note nor repeats it */
      const changed = failed !== failure;
      if (changed || !failed) toast.hidden = !failed;
      if (!quiet && (failed ? changed : deciding)) u.say(failed ? text : T.saved);
      failure = failed;
      toast.firstChild.textContent = text;
    },

    /* Every change since the policy version of the visitor's earlier choice. */
    changes: (u, parent, ch) => {
      const seen = K.seen();
      const news = ch.filter((c) => seen && c[0] > seen);
      if (!news.length) return false;
      const box = u.el('div', 'bn-changes', null, parent);
      box.tabIndex = -1; /* focused when a grant waited for it (ui.js allowed) */
      u.el('h3', 'bn-changes-title', x.t[u.lang].changes_heading, box);
      const list = u.el('ul', null, null, box);
      for (const c of news) u.el('li', null, c[1], list);
      return true;
    },

    /* The age / guardian box; its message shows when a grant is tried without it. */
    ageBox: (u, parent, id) => {
      const wrap = u.el('div', 'bn-age', null, parent);
      const label = u.el('label', null, null, wrap);
      const input = u.el('input', null, null, label);
      input.type = 'checkbox';
      input.id = id;
      input.checked = x.aged;
      input.addEventListener('change', () => {
        x.aged = input.checked;
        for (const m of u.root.querySelectorAll('.bn-error')) m.hidden = true;
        input.removeAttribute('aria-invalid');
      });
      u.el('span', null, x.t[u.lang].age_label, label);
      const error = u.el('p', 'bn-error', x.t[u.lang].age_needed, wrap);
      error.id = id + '-error';
      error.setAttribute('role', 'alert');
      error.hidden = true;
      input.setAttribute('aria-describedby', error.id);
    },

    /* Granting needs the box ticked where there is one (``layer``: the bar
     * or the dialog). */
    allowed: (layer) => {
      const box = layer.querySelector('.bn-age');
      if (x.aged || !box) return true;
      const input = box.querySelector('input');
      box.querySelector('.bn-error').hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return false;
    },
  };
  return x;
};

/* banner second layer: per category its purpose, trackers and their
 * recipients, cookies and one switch. A chunk of the UI, fetched by ui.js
 * only when the visitor asks for it ("Atur pilihan", or the site's link to
 * the choices): most visitors answer on the first layer and never download
 * it. The service replaces the sentinel with, per language, the second
 * layer's part of the notice document (its categories and the texts only
 * this layer draws); the hash the decision carries is the whole document's,
 * which the first layer (ui.js) holds. Every text is set with textContent.
 * It registers itself as a tracker part does; the gate takes it, and ui.js
 * calls what it returns with its own helpers (``u``) to build the dialog,
 * which it then opens (``open``, the switches as chosen or ``preset``) and
 * shuts (``shut``); while it is open, the page behind it is inert. */
(window.__bannerParts = window.__bannerParts || {}).more = (K) => {
  'use strict';
  const MORE = __BANNER_MORE__;
  const d = K.d;

  return (u) => {
    const el = u.el;
    const T = { ...u.T, ...MORE[u.lang].t };
    const switches = {};
    let inert = [];

    const focusables = () => Array.from(dialog.querySelectorAll('button, a, input:not([disabled])'));

    /* While the dialog is open, the page behind it is inert. */
    const setInert = (on) => {
      for (const node of inert) node.inert = false;
      inert = on ? Array.from(d.body.children).filter((n) => n !== u.root && !n.inert) : [];
      for (const node of inert) node.inert = true;
    };

    function cookieList(category, parent) {
      if (!category.cookies.length) return;
      el('h4', 'bn-small', T.cookies_in_category, parent);
      const list = el('ul', 'bn-cookies', null, parent);
      for (const c of category.cookies) el('li', null, c.join(' · '), list);
    }

    function trackerList(category, parent) {
      if (!category.trackers.length) return;
      el('h4', 'bn-small', T.recipients_heading, parent);
      const list = el('ul', 'bn-cookies', null, parent);
      for (const line of category.trackers) el('li', null, line, list);
    }

    function categoryRow(category, parent) {
      const row = el('div', 'bn-cat', null, parent);
      const head = el('div', 'bn-switch', null, row);
      const input = el('input', null, null, head);
      input.type = 'checkbox';
      input.id = 'bn-sw-' + category.id;
      input.setAttribute('role', 'switch');
      input.setAttribute('aria-describedby', 'bn-desc-' + category.id);
      /* A heading per category, so heading navigation reaches each one. */
      const name = el('h3', 'bn-label', null, head);
      name.id = 'bn-name-' + category.id;
      el('label', null, category.label, name).htmlFor = input.id;
      if (category.id === 'essential') {
        input.checked = input.disabled = true;
        el('span', 'bn-small', T.always_on, head).id = 'bn-on';
        input.setAttribute('aria-labelledby', name.id + ' bn-on');
      } else {
        switches[category.id] = input;
      }
      el('p', 'bn-text', category.description, row).id = 'bn-desc-' + category.id;
      trackerList(category, row);
      cookieList(category, row);
    }

    function save() {
      const chosen = u.optional.filter((c) => switches[c].checked);
      if (u.allowed(chosen, dialog)) u.decide(chosen);
    }

    /* Escape closes; Tab and Shift+Tab wrap around inside the dialog. */
    function keys(e) {
      if (e.key === 'Escape') return u.dismiss();
      if (e.key !== 'Tab') return;
      const all = focusables();
      const edge = e.shiftKey ? all[0] : all[all.length - 1];
      if (d.activeElement !== edge) return;
      e.preventDefault();
      (e.shiftKey ? all[all.length - 1] : all[0]).focus();
    }

    const modal = el('div', 'bn-modal', null, u.root);
    modal.hidden = true;
    const dialog = el('div', 'bn-dialog', null, modal);
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('aria-labelledby', 'bn-title2');
    u.header('bn-title2', dialog);
    const text = el('div', 'bn-scroll', null, dialog);
    u.changes(text);
    u.gpcNote(text);
    MORE[u.lang].c.forEach((c) => categoryRow(c, text));
    u.links(text);
    u.ageBox(dialog, 'bn-age2');
    /* Withdrawing is one click, as accepting is: the three look alike. */
    const row = el('div', 'bn-actions', null, dialog);
    const refuse = u.button(T.reject_all, () => u.decide([]), row);
    u.button(T.accept_all, () => u.allowed(u.optional, dialog) && u.decide(u.optional), row);
    u.button(T.save, save, row);
    u.button(T.close, u.dismiss, row, 'bn-btn bn-quiet');
    dialog.addEventListener('keydown', keys);
    return {
      modal: modal,
      dialog: dialog,
      /* ``preset``: the switches' states to keep (a redraw in another language) */
      open: (preset) => {
        for (const c of u.optional) switches[c].checked = preset ? preset.includes(c) : K.decided() && K.allows(c);
        refuse.textContent = K.decided() && u.optional.some(K.allows) ? T.withdraw_all : T.reject_all;
        modal.hidden = false;
        setInert(true);
        (dialog.querySelector('[role="switch"]:not([disabled])') || focusables()[0]).focus();
      },
      shut: () => {
        modal.hidden = true;
        setInert(false);
      },
      chosen: () => u.optional.filter((c) => switches[c].checked),
    };
  };
};

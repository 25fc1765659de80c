/* banner UI: the first layer (three equal buttons) and the second layer (one
 * switch per category). Loaded by the gate only when a choice is needed; the
 * service replaces the sentinel with both languages' texts as JSON. Every
 * text is set with textContent; styles come from ui.css and CSS variables. */
(function (d) {
  'use strict';
  const DATA = __BANNER_UI__;
  const K = window.banner._k;
  const U = DATA[K.lang];
  const T = U.t;
  const optional = U.c.filter((c) => c.id !== 'essential').map((c) => c.id);
  const switches = {};
  let root, bar, modal, dialog, toast, back;

  function el(tag, cls, text, parent) {
    const node = d.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function button(text, action, parent, cls) {
    const b = el('button', cls || 'bn-btn', text, parent);
    b.type = 'button';
    b.addEventListener('click', action);
    return b;
  }

  function link(text, href, parent) {
    const a = el('a', 'bn-link', text, parent);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener';
    return a;
  }

  function heading(id, parent) {
    const h = el('h2', 'bn-title', T.banner_title, parent);
    h.id = id;
    return h;
  }

  function gpcNote(parent) {
    if (K.gpc) el('p', 'bn-note', T.gpc_honoured, parent);
  }

  function theme(root) {
    const colours = DATA.theme;
    for (const key of Object.keys(colours)) root.style.setProperty('--bn-' + key, colours[key]);
  }

  function buildBar(root) {
    bar = el('section', 'bn-bar', null, root);
    bar.setAttribute('aria-labelledby', 'bn-title');
    bar.tabIndex = -1;
    heading('bn-title', bar);
    el('p', 'bn-text', T.banner_body, bar);
    gpcNote(bar);
    const links = el('p', 'bn-links', null, bar);
    link(T.privacy_policy, U.l.privacy, links);
    link(T.cookie_declaration, U.l.cookies, links);
    const row = el('div', 'bn-actions', null, bar);
    button(T.accept_all, () => decide(optional), row);
    button(T.reject_all, () => decide([]), row);
    button(T.manage, () => show(2), row);
  }

  function cookieList(category, parent) {
    if (!category.cookies.length) return;
    el('p', 'bn-small', T.cookies_in_category, parent);
    const list = el('ul', 'bn-cookies', null, parent);
    for (const c of category.cookies) el('li', null, c.join(' · '), list);
  }

  function categoryRow(category, parent) {
    const row = el('div', 'bn-cat', null, parent);
    const label = el('label', 'bn-switch', null, row);
    const input = el('input', null, null, label);
    input.type = 'checkbox';
    input.setAttribute('role', 'switch');
    input.setAttribute('aria-describedby', 'bn-desc-' + category.id);
    el('span', 'bn-label', category.label, label);
    if (category.id === 'essential') {
      input.checked = input.disabled = true;
      el('span', 'bn-small', T.always_on, label);
    } else {
      switches[category.id] = input;
    }
    el('p', 'bn-text', category.description, row).id = 'bn-desc-' + category.id;
    cookieList(category, row);
  }

  /* Built on first use: most visitors answer on the first layer. */
  function buildModal() {
    modal = el('div', 'bn-modal', null, root);
    modal.hidden = true;
    dialog = el('div', 'bn-dialog', null, modal);
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('aria-labelledby', 'bn-title2');
    heading('bn-title2', dialog);
    gpcNote(dialog);
    U.c.forEach((c) => categoryRow(c, dialog));
    const links = el('p', 'bn-links', null, dialog);
    link(T.cookie_declaration, U.l.cookies, links);
    /* Same tab, so the page can send the visitor back; the token is read at
     * click time, as the choice may have changed since the dialog was built. */
    const manage = link(T.preferences_page, U.l.preferences, links);
    manage.removeAttribute('target');
    manage.addEventListener('click', () => {
      /* The page hands the state back with the new token; the gate takes a
       * token only with the state this tab kept (see the gate's adopt). */
      const state = newId();
      try {
        sessionStorage.setItem('banner_state', state);
      } catch {
        /* no storage: the token coming back is not taken, and this site asks again */
      }
      manage.href =
        U.l.preferences + '&return=' + encodeURIComponent(location.href) + '&token=' + K.token() + '&state=' + state;
    });
    const row = el('div', 'bn-actions', null, dialog);
    button(T.save, () => decide(optional.filter((c) => switches[c].checked)), row);
    button(T.close, close, row, 'bn-btn bn-quiet');
    dialog.addEventListener('keydown', keys);
  }

  function focusables() {
    return Array.from(dialog.querySelectorAll('button, a, input:not([disabled])'));
  }

  /* Escape closes; Tab and Shift+Tab wrap around inside the dialog. */
  function keys(e) {
    if (e.key === 'Escape') return close();
    if (e.key !== 'Tab') return;
    const all = focusables();
    const edge = e.shiftKey ? all[0] : all[all.length - 1];
    if (d.activeElement !== edge) return;
    e.preventDefault();
    (e.shiftKey ? all[all.length - 1] : all[0]).focus();
  }

  function close() {
    modal.hidden = true;
    if (!K.decided()) return show(1);
    if (back && back.focus) back.focus();
  }

  /* A random consent id for a first choice (the gate keeps an existing one). */
  function newId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');
  }

  function decide(categories) {
    bar.hidden = true;
    if (modal) modal.hidden = true;
    K.choose(categories, newId());
    if (back && back.isConnected && back.focus) back.focus();
  }

  function show(layer) {
    if (layer === 2) {
      if (!modal) buildModal();
      if (modal.hidden) back = d.activeElement;
      for (const c of optional) switches[c].checked = K.decided() && K.has(c);
      bar.hidden = true;
      modal.hidden = false;
      focusables()[0].focus();
    } else {
      bar.hidden = false;
      bar.focus();
    }
  }

  function status(failed) {
    toast.hidden = !failed;
  }

  function mount() {
    root = el('div', 'bn', null, d.body);
    root.lang = K.lang;
    theme(root);
    buildBar(root);
    bar.hidden = true;
    toast = el('p', 'bn-toast', T.save_failed, root);
    toast.setAttribute('role', 'status');
    toast.hidden = true;
    K.mount({ show: show, status: status });
  }

  if (d.body) mount();
  else d.addEventListener('DOMContentLoaded', mount);
})(document);

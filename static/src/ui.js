/* banner UI: the first layer (the short notice and three equal buttons); the
 * second layer (per category: purpose, trackers and their recipients,
 * cookies, one switch) is a chunk of its own (more.js, more.css), fetched
 * when the visitor asks for it. Loaded by the gate only when a choice is
 * needed; the service replaces the sentinel with the site's default
 * language's first-layer part of its notice document as JSON, with the whole
 * document's hash (another language's part is a chunk, words.js, fetched
 * when the visitor reads it): every word drawn comes from the document of
 * the language shown, and the hash goes back with the decision. Every
 * text is set with textContent; styles come from ui.css and CSS variables.
 * The language switch redraws the UI in place and is kept for the visit in
 * sessionStorage (no cookie). What a plain first visit never draws (the
 * status of a decision and its toast, the change notice for a returning
 * visitor, the age box, the note on Global Privacy Control) is the chunk
 * extra.js / extra.css, fetched when needed; the dialog's opening, closing
 * and the inert page behind it are the second layer's (more.js). */
(function (d) {
  'use strict';
  const DATA = __BANNER_UI__;
  /* the site's default language: the one whose words came with this file */
  const HOME = Object.keys(DATA).find((k) => k !== 'theme');
  const K = window.banner._k;
  const LANG_KEY = 'banner_lang';
  /* this file, ui.<hash>.js: its set's chunks are ui.<hash>.more.js and .css */
  const SELF = d.currentScript.src;
  /* The site's folder on the service, where this file and its successors live. */
  const BASE = SELF.replace(/[^/]*$/, '');
  let lang = language();
  /* more: the second layer once built (more.js: its modal, dialog, open, shut, chosen) */
  let U, T, optional, root, bar, more, back, pill, live, opener;
  /* the chunks (more, extra) by name: what waits for each, and once it ran, ``x`` */
  const chunks = {};
  let sent = null;
  let deciding = false;

  /* The language kept for this visit, else the one drawn (by an outdated
   * UI or a placeholder), else the page's, else the browser's first one the
   * banner speaks, else the site's default. Only a language the banner
   * speaks, alone or with a region ('__proto__', 'en<script>' name none). */
  function language() {
    let kept;
    try {
      kept = sessionStorage.getItem(LANG_KEY);
    } catch {
      /* storage off: nothing kept */
    }
    for (const tag of [kept, K.lang, d.documentElement.lang, ...navigator.languages]) {
      const m = /^(id|en)(?![^_-])/i.exec(tag);
      if (m) return m[1].toLowerCase();
    }
    return HOME;
  }

  function el(tag, cls, text, parent) {
    const node = parent.appendChild(d.createElement(tag));
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function button(text, action, parent, cls) {
    const b = el('button', cls || 'bn-btn', text, parent);
    b.type = 'button';
    b.addEventListener('click', action);
    return b;
  }

  /* The title, and a button for each other language, named in that language. */
  function header(id, parent) {
    const head = el('div', 'bn-head', null, parent);
    el('h2', 'bn-title', T.banner_title, head).id = id;
    for (const other of Object.keys(U.o)) {
      const b = button(U.o[other], () => switchTo(other), head, 'bn-lang');
      b.lang = other;
    }
  }

  /* The extra chunk, once here (see chunk). */
  function extra() {
    return chunks.extra?.x;
  }

  /* The browser's Global Privacy Control is honoured, and said (the extra
   * chunk's words: it comes before the banner shows for such a browser). */
  function gpcNote(parent) {
    if (K.gpcOn && extra()) el('p', 'bn-note', extra().t[lang].gpc_honoured, parent);
  }

  function theme(root) {
    const colours = DATA.theme;
    for (const key of Object.keys(colours)) root.style.setProperty('--bn-' + key, colours[key]);
  }

  /* The privacy policy and the cookie list open in a new tab, and say so;
   * the full settings page opens in the same tab, so it can send the visitor
   * back. Its address gets the token at click time, as the choice may have
   * changed since the layer was built; the page hands the state back with
   * the new token, and the gate takes a token only with the state this tab
   * kept (its adopt). */
  function links(parent) {
    const row = el('p', 'bn-links', null, parent);
    const page = BASE + 'preferences?lang=' + lang;
    for (const [text, href] of [
      [T.privacy_policy, U.privacy],
      [T.cookie_declaration, BASE + 'cookies?lang=' + lang],
    ]) {
      const a = el('a', 'bn-link', text, row);
      Object.assign(a, { href: href, target: '_blank', rel: 'noopener' });
      el('span', 'bn-sr', ' ' + T.new_tab, a);
    }
    const a = el('a', 'bn-link', T.preferences_page, row);
    a.href = page;
    a.addEventListener('click', () => {
      const state = newId();
      try {
        sessionStorage.setItem('banner_state', state);
      } catch {
        /* no storage: the token coming back is not taken, and this site asks again */
      }
      a.href = page + '&return=' + encodeURIComponent(location.href) + '&token=' + K.currentToken() + '&state=' + state;
    });
  }

  /* Every change since the policy version of the visitor's earlier choice
   * (the extra chunk draws them; it is fetched before the banner shows when
   * there are some, see start). */
  function changes(parent) {
    return extra()?.changes(u, parent, U.ch);
  }

  /* The age / guardian box (sites with children = "guardian") is the extra
   * chunk's, fetched before the banner shows on such a site. */
  function ageBox(parent, id) {
    if (U.age) extra()?.ageBox(u, parent, id);
  }

  /* The changes since the visitor's earlier choice (their notice changed). */
  function news(u) {
    const seen = K.seen();
    return u.ch.some((c) => seen && c[0] > seen);
  }

  /* A grant needs on the screen what its notice holds beyond the first
   * layer's own words: the age / guardian box ticked (on a site that asks
   * for it) and the changes since the visitor's earlier choice, which are
   * words of the notice the grant is recorded under. Refusing never waits.
   * Without the chunk that draws them (it did not come) no grant goes: the
   * click asks for it again and draws them, and the visitor decides on what
   * they then read. */
  function allowed(categories, layer) {
    if (!categories.length || !(U.age || news(U))) return true;
    /* a layer drawn with the extra chunk shows both (see ageBox, changes) */
    if (layer.querySelector('.bn-age,.bn-changes')) return extra().allowed(layer);
    chunk('extra', (x) => {
      if (!x) return;
      redraw(lang);
      const now = second() ? more.dialog : bar;
      if (x.allowed(now)) now.querySelector('.bn-changes')?.focus();
    });
  }

  function buildBar(root) {
    bar = el('section', 'bn-bar', null, root);
    bar.setAttribute('aria-labelledby', 'bn-title');
    bar.tabIndex = -1;
    bar.addEventListener('keydown', (e) => e.key === 'Escape' && collapse(true));
    header('bn-title', bar);
    /* The notice scrolls; the age box and the buttons below it stay in view
     * on the smallest phones. A plain notice keeps to 60% of the screen. */
    const text = el('div', 'bn-scroll', null, bar);
    if (changes(text) || U.age) bar.classList.add('bn-tall');
    for (const said of U.p) el('p', 'bn-text', said, text);
    gpcNote(text);
    links(text);
    ageBox(bar, 'bn-age1');
    const row = el('div', 'bn-actions', null, bar);
    // data-banner-accept: the stable hook `banner scan` clicks (never the text).
    button(T.accept_all, () => allowed(optional, bar) && decide(optional), row).dataset.bannerAccept = '';
    button(T.reject_all, () => decide([]), row);
    button(T.manage, () => show(2), row);
  }

  /* Escape (or a focused page control the bar would hide) puts the first
   * layer aside as a small button; that is no choice, so nothing starts. */
  function collapse(focus) {
    bar.hidden = true;
    pill.hidden = false;
    if (focus) pill.focus();
  }

  /* A page control that gets focus is never left behind the bar, the small
   * button or the toast (WCAG 2.4.11): scroll it clear, else move them. */
  function clear(e) {
    const target = e.target;
    if (root.contains(target) || !target.getBoundingClientRect) return;
    /* how far the target reaches down behind ``part`` (nothing: clear of it) */
    const behind = (part) => {
      const a = target.getBoundingClientRect();
      const b = part.getBoundingClientRect();
      return a.top < b.bottom && a.right > b.left && a.left < b.right && a.bottom - b.top;
    };
    const parts = [...root.querySelectorAll('.bn-bar,.bn-pill,.bn-toast')].filter((part) => !part.hidden);
    /* first where the browser would scroll it, then clear of the parts */
    if (parts.length) target.scrollIntoView({ block: 'nearest', behavior: 'instant' });
    for (const part of parts) {
      if (behind(part) > 0) scrollBy({ top: behind(part) + 12, behavior: 'instant' });
      if (behind(part) > 0) part === bar ? collapse() : part.classList.add('bn-up');
    }
  }

  /* The second layer is open. */
  function second() {
    return more && !more.modal.hidden;
  }

  function close() {
    more.shut();
    if (!K.decided()) show(1, null, true);
    if (back && back.isConnected && back !== d.body) back.focus();
    else if (!bar.hidden) bar.focus();
  }

  /* A random consent id for a first choice (the gate keeps an existing one). */
  function newId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');
  }

  /* The notice drawn goes back as the service gave it (its hash and policy
   * version); the layer and switches are kept in case it has to be redrawn.
   * The outcome is announced by status(). */
  function decide(categories) {
    sent = { layer: second() ? 2 : 1, preset: categories };
    deciding = true;
    /* The click only takes the banner out of the page (its root hidden: the
     * next frame drops its boxes, nothing else is laid out), so that frame is
     * painted without it at once; once it is (after 100 ms at the latest: a
     * hidden tab paints no frame), the layers are closed, the root shown
     * again, focus moves and the gate gets the decision. */
    const gone = root;
    gone.hidden = true;
    const choose = K.choose.bind(null, categories, newId(), !!extra()?.aged, U.s);
    painted(() => (hide(), (gone.hidden = false), refocus(), choose()));
  }

  /* Runs ``then`` once, in a task after the next frame is painted (after
   * 100 ms at the latest: a hidden tab paints no frame). */
  function painted(then) {
    let once = 0;
    const run = () => once++ || then();
    requestAnimationFrame(() => setTimeout(run));
    setTimeout(run, 100);
  }

  /* The first layer takes focus once it is painted: focusing lays it out,
   * and its first layout (the fonts, the notice's lines) is then the work of
   * the frame that draws it, not of this script. A visitor typing in the
   * page keeps the focus and hears that the banner is open; one who reached
   * the bar meanwhile, or put it aside, stays where they are. */
  function greet() {
    if (bar.hidden || root.contains(d.activeElement)) return;
    if (busy()) chunk('extra', (x) => x && say(x.t[lang].banner_open));
    else bar.focus();
  }

  /* Focus goes back to the page control that opened the banner, or to the
   * page's main landmark. */
  function refocus() {
    const main = d.querySelector('main, [role="main"]');
    const to = [back, opener].find((n) => n && n.isConnected && !root.contains(n) && n !== d.body);
    if (to) to.focus();
    else if (main) {
      if (!main.hasAttribute('tabindex')) main.tabIndex = -1;
      main.focus({ preventScroll: true });
    }
  }

  /* Polite announcements go to one live region that stays in the page. */
  function say(text) {
    live.textContent = '';
    setTimeout(() => (live.textContent = text), 100);
  }

  /* A text field (or any page control) that has focus keeps it. */
  function busy() {
    const a = d.activeElement;
    return a && a !== d.body && a !== d.documentElement && !root.contains(a);
  }

  /* A chunk of this file's set (a UI that took over from an outdated one
   * draws its own words), script and stylesheet: ui.<hash>.more.js and .css
   * (the second layer), .extra.js and .css. Fetched on first use; ``then``
   * runs once both arrived, with what the script registered (nothing if it
   * did not come: the next use asks again, and the first layer stays as it is). */
  function chunk(name, then) {
    const c = (chunks[name] = chunks[name] || []);
    if (c.x) return then(c.x);
    if (c.push(then) > 1) return;
    let parts = 0;
    const arrived = () => ++parts > 1 && c.splice(0).forEach((f) => f(c.x));
    K.attach('link', { rel: 'stylesheet', href: SELF.replace(/js$/, name + '.css') }, arrived);
    /* never another set's chunk (an outdated UI's, registered before) */
    window.__bannerParts[name] = null;
    K.loadScript(SELF.replace(/js$/, name + '.js'), () => {
      c.x = window.__bannerParts[name]?.(K);
      arrived();
    });
  }

  /* What the chunks draw with: this file's helpers, and the layer's state
   * (root, T, lang, optional: set by each render). */
  const u = {
    el: el,
    button: button,
    header: header,
    changes: changes,
    gpcNote: gpcNote,
    links: links,
    ageBox: ageBox,
    allowed: allowed,
    decide: decide,
    dismiss: close,
    say: say,
  };

  /* ``preset``: the switches' states to keep (a redraw in another language).
   * A first layer the site's back end drew in the page (.bn-drawn, each one,
   * banner/web/drawn_layer.py) goes at the first call: in the frame that
   * shows this one, or with nothing to show. Its buttons never worked, and
   * its words are never those a decision is recorded under: this file's are. */
  function show(layer, preset, quiet) {
    d.querySelectorAll('.bn-drawn').forEach((n) => n.remove());
    if (layer === 2) {
      /* built on first use: most visitors answer on the first layer */
      if (!more) {
        if (!chunks.more?.x) return chunk('more', (m) => m && show(2, preset, quiet));
        more = chunks.more.x(u);
      }
      if (!second() && !preset) back = d.activeElement;
      bar.hidden = pill.hidden = true;
      more.open(preset);
    } else if (layer) {
      if (opener === undefined) opener = busy() ? d.activeElement : null;
      bar.hidden = false;
      pill.hidden = true;
      if (!quiet) painted(greet);
    }
  }

  /* A choice made elsewhere (a placeholder's button) closes both layers. */
  function hide() {
    bar.hidden = pill.hidden = true;
    more?.shut();
  }

  /* 0: saved; 1: a choice not saved yet; 2: a withdrawal not saved yet (it
   * holds in this browser meanwhile, and the gate keeps sending it). The
   * extra chunk shows it (its toast) and says it; it is fetched once there
   * is something to say. ``undefined``: the same again, in a redrawn UI. */
  function status(failed, quiet) {
    const was = deciding;
    if (failed || was || chunks.extra?.x) chunk('extra', (x) => x?.report(u, failed, quiet, was));
    if (!failed) deciding = false;
  }

  /* 409: the notice drawn here belongs to an older policy version, and
   * nothing was recorded. The current UI, named in the answer, takes over:
   * it draws the layer the visitor was on, with their switches and what
   * changed since the version drawn here; their next click is recorded
   * under the words it shows (styled by this one's stylesheet: the class
   * names change only with a release, and a release changes the hash). */
  function stale(answer) {
    K.seen = () => U.s.policy_version;
    K.handoff = sent;
    root.remove();
    K.loadScript(BASE + 'ui.' + answer.ui + '.js');
  }

  function render() {
    U = DATA[lang];
    T = u.T = U.t;
    optional = u.optional = K.S.cats;
    more = null;
    root = u.root = el('div', 'bn', null, d.body);
    root.lang = u.lang = lang;
    theme(root);
    buildBar(root);
    bar.hidden = true;
    pill = button(T.privacy_choices, () => show(1), root, 'bn-lang bn-pill');
    pill.hidden = true;
    live = el('p', 'bn-sr', null, root);
    live.setAttribute('role', 'status');
  }

  /* Another language's words come in a chunk of their own, of this file's
   * set; ``then`` runs once they are here or did not come. */
  function words(next, then) {
    if (DATA[next]) return then();
    K.loadScript(SELF.replace(/js$/, next + '.js'), () => {
      Object.assign(DATA, window.__bannerParts.words);
      then();
    });
  }

  /* Redraws the open layer in ``next`` (once its words are here), keeping
   * the switches, and keeps the language for this visit; decisions are then
   * recorded in it too. */
  function switchTo(next) {
    words(next, () => DATA[next] && redraw(next));
  }

  function redraw(next) {
    const layer = second() ? 2 : bar.hidden ? 0 : 1;
    const preset = layer === 2 ? more.chosen() : null;
    if (layer === 2) more.shut();
    lang = K.lang = next;
    try {
      sessionStorage.setItem(LANG_KEY, next);
    } catch {
      /* storage off: the language holds for this page only */
    }
    root.remove();
    render();
    status(undefined, true);
    if (layer) show(layer, preset, true);
    root.querySelector((layer === 2 ? '.bn-dialog' : '.bn-bar') + ' .bn-lang')?.focus();
  }

  /* Draws in the visitor's language once its words are here (in the site's
   * default one if they do not come). */
  function mount() {
    words(lang, start);
  }

  /* A returning visitor whose notice changed since their choice is shown
   * what changed, a site that asks for the age box shows it, a browser that
   * sends Global Privacy Control is told it is honoured: then the extra
   * chunk comes first (the banner shows without it if it does not come). */
  function start() {
    if (!DATA[lang]) lang = HOME;
    if (news(DATA[lang]) || DATA[lang].age || K.gpcOn) chunk('extra', begin);
    else begin();
  }

  /* A UI taking over from an outdated one shows at once what it handed over. */
  function begin() {
    const handoff = K.handoff;
    K.handoff = null;
    K.lang = lang;
    render();
    d.addEventListener('focusin', clear);
    K.mount({ show: show, report: status, hide: hide, stale: stale });
    if (handoff) show(handoff.layer, handoff.preset);
  }

  if (d.body) mount();
  else d.addEventListener('DOMContentLoaded', mount);
  /* the gate's view of document: page markup cannot shadow its members */
})(window.banner._k.d);

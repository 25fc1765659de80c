/* banner embeds: a placeholder in place of each embed that waits for its
 * category (<iframe data-category data-src>, or any element marked
 * data-banner-embed). The gate fetches this part only when a page has such
 * an embed. The service fills the sentinel with, per language, each asked
 * category's label and texts; every text is set with textContent. The
 * placeholder takes the embed's own box, so nothing moves when the embed
 * loads in its place; the gate itself loads it (and checks its address). */
(function (d) {
  'use strict';
  const DATA = __BANNER_EMBEDS__;
  const K = window.banner._k;
  const EMBEDS = 'iframe[data-category][data-src],[data-banner-embed][data-category]';
  const boxes = new Map();

  /* The language drawn: the banner's, else the page's, else the browser's
   * first one the banner speaks, else the site's default. Only a language
   * the banner speaks: whatever a page script writes to the kernel ('lang',
   * '__proto__') names no texts. */
  function language() {
    for (const tag of [K.lang, d.documentElement.lang, ...navigator.languages]) {
      const m = /^(id|en)(?![a-z])/i.exec(tag);
      if (m && DATA[m[1].toLowerCase()]) return m[1].toLowerCase();
    }
    return DATA.lang;
  }

  function el(tag, cls, text, parent) {
    const node = d.createElement(tag);
    node.className = cls;
    if (text) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  /* data-service, else the host the embed loads from */
  function service(embed) {
    if (embed.dataset.service) return embed.dataset.service;
    try {
      return new URL(embed.dataset.src, location.href).hostname;
    } catch {
      return '';
    }
  }

  function newId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');
  }

  /* Grants the category (recorded with source "placeholder", under the
   * notice of the language its box was drawn in, as the service gave its
   * hash: the words recorded are the words the visitor read); a site that
   * asks for the age / guardian box opens the choices instead. */
  function allow(category, shown) {
    if (DATA.age) return K.reopen();
    K.lang = K.lang || shown;
    K.choose([...K.S.cats.filter(K.allows), category], newId(), false, {
      source: 'placeholder',
      notice_hash: DATA.h[shown],
      policy_version: DATA.v,
    });
  }

  /* The box in front of ``embed``, worded in the language drawn now (the
   * box carries it as its lang, for the visitor's reader too). */
  function place(embed) {
    const shown = language();
    const texts = DATA[shown][embed.dataset.category];
    if (!texts || boxes.has(embed) || K.allows(embed.dataset.category)) return;
    const size = embed.getBoundingClientRect();
    const box = d.createElement('div');
    /* inline like an iframe (its baseline at its bottom edge, as an iframe's
     * is) or a block like a container: the page flows as it will with the embed */
    const inline = getComputedStyle(embed).display.startsWith('inline');
    box.className = inline ? 'bn-embed' : 'bn-embed bn-embed-block';
    box.lang = shown;
    box.setAttribute('role', 'region');
    const name = service(embed) || texts.label;
    box.setAttribute('aria-label', name);
    if (size.width) box.style.width = size.width + 'px';
    if (size.height) box.style[inline ? 'height' : 'minHeight'] = size.height + 'px';
    box.style.setProperty('--bn-primary', DATA.primary);
    el('p', 'bn-embed-name', name, box);
    el('p', 'bn-embed-text', texts.text, box);
    const button = el('button', 'bn-embed-allow', texts.allow, box);
    button.type = 'button';
    button.addEventListener('click', () => allow(embed.dataset.category, shown));
    const settings = el('button', 'bn-embed-settings', texts.settings, box);
    settings.type = 'button';
    settings.addEventListener('click', K.reopen);
    embed.before(box);
    embed.hidden = true;
    boxes.set(embed, box);
  }

  /* The banner drawn in, or switched to, another language: every waiting
   * box is drawn again in it (the button that had focus keeps it), so a
   * placeholder never shows one language while the banner speaks another. */
  function reword() {
    for (const [embed, box] of boxes) {
      if (box.lang === language()) continue;
      const focused = [...box.querySelectorAll('button')].indexOf(d.activeElement);
      boxes.delete(embed);
      box.remove();
      embed.hidden = false;
      place(embed);
      if (focused >= 0) boxes.get(embed)?.querySelectorAll('button')[focused].focus();
    }
  }

  /* Granted: the embed takes its placeholder's place (and its focus). */
  function release() {
    for (const [embed, box] of boxes) {
      if (!K.allows(embed.dataset.category)) continue;
      const focused = box.contains(d.activeElement);
      boxes.delete(embed);
      box.remove();
      embed.hidden = false;
      if (focused) {
        if (!embed.hasAttribute('tabindex') && embed.tagName !== 'IFRAME') embed.tabIndex = -1;
        embed.focus();
      }
    }
  }

  /* The kernel's language is set by the UI when it draws and when the
   * visitor switches: watched here, as an accessor on the kernel. */
  let drawn = K.lang;
  Object.defineProperty(K, 'lang', {
    get: () => drawn,
    set: (next) => {
      drawn = next;
      reword();
    },
  });

  const css = d.createElement('link');
  css.rel = 'stylesheet';
  css.href = DATA.css;
  css.nonce = d.currentScript?.nonce || '';
  d.head.appendChild(css);
  for (const embed of d.querySelectorAll(EMBEDS)) place(embed);
  d.addEventListener('banner:change', release);
  /* embeds a single-page app adds later wait behind a box too */
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.matches?.(EMBEDS)) place(n);
        for (const e of n.querySelectorAll?.(EMBEDS) || []) place(e);
      }
    }
  }).observe(d.documentElement, { childList: true, subtree: true });
  /* the gate's view of document: page markup cannot shadow its members */
})(window.banner._k.d);

/* Benchmark floor (bench/visible_floor.py): the least a script can do to draw
 * banner's first layer. The floor shop fills FLOOR with JSON: the first
 * layer's CSS as the service serves it (ui.<hash>.css) and its DOM as ui.js
 * drew it in the same run, as [tag, attributes, ...children] (a child is a
 * string or such a node). No consent logic, no gate, no second request: the
 * tree is built detached, the CSS adopted as a constructed sheet, the tree
 * appended at once. "Accept all" only hides the bar (click to gone's floor):
 * `hidden`, or with data-away on the script the class ui.css gives a decided
 * banner (its layers at opacity 0 on the compositor), as banner's click does.
 * With data-warm, the fonts are looked up before the bar's frame: a hidden
 * copy of the layer with one letter of each text is laid out first, one part
 * of the bar a frame (its head, its notice, its buttons: about two font sizes
 * each), from the frame after the page's first paint, then the copy goes and
 * the bar comes in a frame of its own. */
(function (d) {
  'use strict';
  const FLOOR = __FLOOR__;
  const options = d.currentScript.dataset;

  function build(node, letter) {
    const [tag, attributes, ...children] = node;
    const element = d.createElement(tag);
    for (const name of Object.keys(attributes)) element.setAttribute(name, attributes[name]);
    for (const child of children) {
      element.append(typeof child === 'string' ? (letter ? child.slice(0, 1) : child) : build(child, letter));
    }
    return element;
  }

  function draw() {
    const root = build(FLOOR.tree);
    const bar = root.querySelector('.bn-bar');
    root.querySelector('[data-banner-accept]').addEventListener('click', () => {
      if ('away' in options) root.classList.add('bn-away');
      else bar.hidden = true;
    });
    d.body.appendChild(root);
  }

  function start() {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(FLOOR.css);
    d.adoptedStyleSheets = [...d.adoptedStyleSheets, sheet];
    if (!('warm' in options)) return draw();
    const warm = build(FLOOR.tree, true);
    const parts = [...warm.querySelector('.bn-bar').children];
    for (const part of parts) part.remove();
    warm.style.visibility = 'hidden';
    /* after the page's first paint: never in the page's own first frame */
    requestAnimationFrame(() => setTimeout(() => (d.body.appendChild(warm), next(warm, parts))));
  }

  /* One part of the hidden copy a frame, then the bar. */
  function next(warm, parts) {
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (!parts.length) return warm.remove(), draw();
        warm.querySelector('.bn-bar').append(parts.shift());
        next(warm, parts);
      })
    );
  }

  if (d.body) start();
  else d.addEventListener('DOMContentLoaded', start);
})(document);

/* Benchmark probe: records performance.now() when the element named by
 * <meta name="bench-banner" content="SELECTOR"> is first visible (laid out,
 * not visibility:hidden, opacity above 0). Watches mutations, then frames
 * only while the element exists but is still hidden. */
(function () {
  'use strict';
  let selector = null;
  let framePending = false;

  function visible(element) {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 &&
      element.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  }

  function check() {
    framePending = false;
    if (window.__benchVisibleAt !== undefined) return;
    if (selector === null) {
      const meta = document.querySelector('meta[name="bench-banner"]');
      if (!meta) return;
      selector = meta.content;
    }
    const element = document.querySelector(selector);
    if (!element) return;
    if (visible(element)) {
      window.__benchVisibleAt = performance.now();
      observer.disconnect();
    } else {
      schedule();
    }
  }

  function schedule() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(check);
  }

  const observer = new MutationObserver(schedule);
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();

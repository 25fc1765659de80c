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

/* Takeover probe, on a page naming <meta name="bench-takeover" content="SELECTOR">
 * (bench.drawn: banner's first layer drawn in the page's HTML, named by
 * bench-banner, then replaced by the script's own bar, named by SELECTOR).
 * window.__benchTakeover is set at the first frame the script's bar is visible:
 * ``at`` (performance.now()), ``moved`` (how many of the bar's boxes, the bar's
 * and its texts', links' and buttons', differ by more than half a pixel from the
 * drawn bar's at its last frame seen, the count of boxes counted if it differs),
 * ``pageMoved`` (the same of the page's own boxes: the body's and its children's
 * but the banners'), ``gapFrames`` (frames seen with neither bar visible after
 * the drawn one was),
 * ``bothShown`` (the drawn bar still visible in that frame), ``drawnSeen``,
 * ``wholeAt``: when the drawn bar was first visible whole, the parser past it (a
 * first paint may come mid-parse, the bar's head alone painted), null when it
 * already was in the first frame it was visible.
 * Any other page: it stops once the head is parsed. */
(function () {
  'use strict';
  const PARTS = '.bn-title, .bn-lang, .bn-text, .bn-link, .bn-btn';
  let selectors = null;
  let pending = false;
  let lastDrawn = null;
  let lastPage = null;
  let whole = null;
  let gaps = 0;

  function visible(element) {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 &&
      element.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  }

  function boxes(bar, parts) {
    return [bar, ...bar.querySelectorAll(parts || PARTS)].map((element) => {
      const box = element.getBoundingClientRect();
      return [box.x, box.y, box.width, box.height];
    });
  }

  function pageBoxes() {
    return boxes(document.body, ':scope > :not(.bn)');
  }

  function moved(before, after) {
    if (before === null) return -1;
    if (before.length !== after.length) return Math.max(before.length, after.length);
    return before.filter((box, i) => box.some((v, k) => Math.abs(v - after[i][k]) > 0.5)).length;
  }

  function check() {
    pending = false;
    if (window.__benchTakeover !== undefined) return;
    if (selectors === null) {
      const own = document.querySelector('meta[name="bench-takeover"]');
      const drawn = document.querySelector('meta[name="bench-banner"]');
      if (!own || !drawn) {
        if (document.body) observer.disconnect();
        return;
      }
      selectors = [drawn.content, own.content];
    }
    const drawn = document.querySelector(selectors[0]);
    const own = document.querySelector(selectors[1]);
    const drawnOn = drawn !== null && visible(drawn);
    if (own !== null && visible(own)) {
      window.__benchTakeover = {
        at: performance.now(),
        moved: moved(drawnOn ? boxes(drawn) : lastDrawn, boxes(own)),
        pageMoved: moved(drawnOn ? pageBoxes() : lastPage, pageBoxes()),
        gapFrames: gaps,
        bothShown: drawnOn,
        drawnSeen: lastDrawn !== null,
        wholeAt: whole || null,
      };
      observer.disconnect();
      return;
    }
    if (drawnOn) {
      lastDrawn = boxes(drawn);
      lastPage = pageBoxes();
      if (wholeAt === null && drawn.closest('.bn').nextSibling !== null) {
        wholeAt = performance.now();
      }
    } else if (lastDrawn !== null) {
      gaps += 1;
      schedule();
    }
    if (own !== null) schedule();
  }

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(check);
  }

  const observer = new MutationObserver(schedule);
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();

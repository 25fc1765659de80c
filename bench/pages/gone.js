/* Benchmark probe: click to gone, and long tasks.
 * window.__benchArmGone(SELECTOR) waits for the next click; from it, every
 * animation frame checks the element named by SELECTOR (the banner's
 * dialog). At the first frame where it is gone (removed, not laid out,
 * hidden, or opacity 0), a message posted from that frame's callback runs
 * once the frame is painted: __benchGoneMs is the time from the click to
 * then. Long tasks (over 50 ms) of the whole visit are kept in
 * __benchLongTasks as [start, duration]; the scripts of long animation
 * frames (which name their file) in __benchLongScripts as [url, duration],
 * so a long task can be told apart by whose script ran in it. */
(function () {
  'use strict';
  window.__benchLongTasks = [];
  window.__benchLongScripts = [];
  try {
    new PerformanceObserver((list) => {
      for (const frame of list.getEntries()) {
        for (const s of frame.scripts) window.__benchLongScripts.push([s.sourceURL, s.duration]);
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (e) {
    /* no long animation frame API */
  }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__benchLongTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    /* no long task API: none recorded */
  }

  function gone(selector) {
    const element = document.querySelector(selector);
    if (!element || !element.isConnected) return true;
    const box = element.getBoundingClientRect();
    return box.width === 0 || box.height === 0 ||
      !element.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  }

  window.__benchArmGone = function (selector) {
    window.__benchGoneMs = undefined;
    addEventListener('click', function () {
      const clicked = performance.now();
      const frame = () => requestAnimationFrame(() => {
        if (!gone(selector)) return frame();
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { window.__benchGoneMs = performance.now() - clicked; };
        channel.port2.postMessage(0);
      });
      frame();
    }, { capture: true, once: true });
  };
})();

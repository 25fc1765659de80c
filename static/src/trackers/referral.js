/* Referral: the referral parameter of the landing URL is held in memory
 * until its category is decided: written to a first-party cookie once
 * granted, dropped once refused. */
(window.__bannerParts = window.__bannerParts || {}).referral = (k) => {
  let value;
  return {
    init(t) {
      const query = new URLSearchParams(location.search);
      value = t.params.map((p) => query.get(p)).find(Boolean)?.slice(0, 200);
    },
    start(t, on) {
      if (value && on) k.write(t.cookie, encodeURIComponent(value), t.days);
      value = 0;
    },
  };
};

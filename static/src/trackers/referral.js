/* Referral: the referral parameter of the landing URL is held in memory
 * until its category is decided: written to a first-party cookie once
 * granted, dropped once refused. */
(window.__bannerParts = window.__bannerParts || {}).referral = (k) => {
  let value = null;
  return {
    init(t) {
      const query = new URLSearchParams(location.search);
      const name = t.params.find((p) => query.get(p));
      value = name ? encodeURIComponent(query.get(name).slice(0, 200)) : null;
    },
    start(t, on) {
      if (value && on) k.write(t.cookie, value, t.days);
      value = null;
    },
  };
};

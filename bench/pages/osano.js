/* Osano cookieconsent 3.1.1 in opt-in mode. It has no categories: the site
 * starts GA4 itself once the visitor allows cookies. */
(function () {
  'use strict';
  function startAnalytics(status) {
    if (status !== 'allow' || document.getElementById('bench-ga4')) return;
    const script = document.createElement('script');
    script.id = 'bench-ga4';
    script.async = true;
    script.src = 'https://www.googletagmanager.com/gtag/js?id=G-BENCH12345';
    document.head.appendChild(script);
  }
  window.cookieconsent.initialise({
    type: 'opt-in',
    revokable: true,
    content: { message: 'Choose which cookies this shop may use.', allow: 'Accept all', deny: 'Reject all', link: 'Privacy', href: '/privacy' },
    onInitialise: startAnalytics,
    onStatusChange: startAnalytics
  });
})();

/* Klaro! 0.7.22, configured with the benchmark's four categories. */
window.klaroConfig = {
  version: 1,
  elementID: 'klaro',
  storageMethod: 'cookie',
  cookieName: 'klaro',
  privacyPolicy: '/privacy',
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  lang: 'en',
  purposes: ['necessary', 'functional', 'analytics', 'preferences'],
  services: [
    { name: 'necessary', title: 'Necessary', purposes: ['necessary'], required: true },
    { name: 'functional', title: 'Functional', purposes: ['functional'] },
    { name: 'analytics', title: 'Analytics', purposes: ['analytics'], cookies: [/^_ga/] },
    { name: 'preferences', title: 'Preferences', purposes: ['preferences'] }
  ]
};

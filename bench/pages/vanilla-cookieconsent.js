/* vanilla-cookieconsent 3.1.0, configured with the benchmark's four categories. */
window.CookieConsent.run({
  hideFromBots: false,
  categories: {
    necessary: { enabled: true, readOnly: true },
    functional: {},
    analytics: {},
    preferences: {}
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We use cookies',
          description: 'Choose which cookies this shop may use.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Manage preferences'
        },
        preferencesModal: {
          title: 'Cookie preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save preferences',
          sections: [
            { title: 'Necessary', description: 'Needed for the shop to work.', linkedCategory: 'necessary' },
            { title: 'Functional', description: 'Remembers your choices.', linkedCategory: 'functional' },
            { title: 'Analytics', description: 'Counts visits.', linkedCategory: 'analytics' },
            { title: 'Preferences', description: 'Personalises the shop.', linkedCategory: 'preferences' }
          ]
        }
      }
    }
  }
});

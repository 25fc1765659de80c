/* Orejime 3.2.1, configured with the benchmark's four categories. */
window.orejimeConfig = {
  privacyPolicyUrl: '/privacy',
  purposes: [
    { id: 'necessary', title: 'Necessary', description: 'Needed for the shop to work.', isMandatory: true, cookies: [] },
    { id: 'functional', title: 'Functional', description: 'Remembers your choices.', cookies: [] },
    { id: 'analytics', title: 'Analytics', description: 'Counts visits.', cookies: ['_ga', /^_ga_/] },
    { id: 'preferences', title: 'Preferences', description: 'Personalises the shop.', cookies: [] }
  ]
};

/* One language's words of the first layer (ui.<hash>.<lang>.js): the first
 * layer carries the site's default language only, and fetches another
 * language's part of its notice document here when the visitor's page,
 * browser or switch asks for it. The service replaces the sentinel with
 * {lang: {...}} as JSON; the data itself is what registers, not a function. */
(window.__bannerParts = window.__bannerParts || {}).words = __BANNER_WORDS__;

"""The web service: app factory parts, the Flask extension and its helpers, the
consent API, the loader routes, the hosted pages and their forms, security
headers, rate limits, HTTP errors, the demo shop, the gunicorn runner, and the
banner's first layer as HTML for a site's own pages (drawn_layer, drawn_template).

Imports :mod:`banner.core`, :mod:`banner.log` and :mod:`banner.check`; never the CLI.
"""

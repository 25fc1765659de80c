"""The web service: app factory parts, the Flask extension and its helpers, the
consent API, the loader routes, the hosted pages and their forms, security
headers, rate limits, HTTP errors, the demo shop and the gunicorn runner.

Imports :mod:`banner.core`, :mod:`banner.log` and :mod:`banner.check`; never the CLI.
"""

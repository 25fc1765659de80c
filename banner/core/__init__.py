"""The pure core: consent model, token codec, config (and following its file),
visitor data and notice texts.

Imports the standard library, itsdangerous and Babel only: never Flask, the
request globals, the consent log, the web service or the CLI. Everything else
in banner builds on it.
"""

"""The consent log: proof of every decision (store, group commit), the archive of the
notices shown (notices), and what is read out of them (export, stats), plus the service
that records a decision.

Imports :mod:`banner.core` and SQLAlchemy; never Flask, the web service or the CLI.
"""

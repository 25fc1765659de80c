"""The consent log: proof of every decision (store, group commit), the archive of the
notices shown (notices), and what is read out of them (export, stats, the ISO 27560
records), plus the service that records a decision. Its tamper evidence: every decision
a leaf of its site's RFC 9162 Merkle tree (merkle, tree), signed tree heads (heads,
signing), proofs, bundles and the full check (proofs, bundle, verify).

Imports :mod:`banner.core`, SQLAlchemy and ``cryptography``; never Flask, the web
service or the CLI.
"""

"""banner as it was before the tamper-evident log: the same app, decisions left unnumbered.

Only for ``bench.logpost``'s reference, measured in the same run: the group
commit's calls to :func:`banner.log.tree.lock_sites` and
:func:`banner.log.tree.append` take no lock and keep no state here (a row
gets a random ``log_index``, which the companions read, and no leaf; no
node), and no signed heads are made.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from banner.log import tree
from banner.log.heads import HeadKeeper


def _nothing(*_args: Any) -> None:
    return None


def _unlocked(_conn: Any, _decisions: Any, rows: list[dict[str, Any]], *_rest: Any) -> None:
    """Rows get a random ``log_index`` without any lock or state (companions read it)."""
    for row in rows:
        row["log_index"], row["leaf_hash"] = secrets.randbits(62), None


def create_app() -> Flask:
    from banner.web.app import create_app as banner_app

    tree.append = _unlocked  # type: ignore[assignment]
    tree.lock_sites = _nothing  # type: ignore[assignment]
    HeadKeeper.note = _nothing  # type: ignore[assignment,method-assign]
    return banner_app()

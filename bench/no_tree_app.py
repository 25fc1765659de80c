"""banner as it was before the tamper-evident log: the same app, decisions left unnumbered.

Only for ``bench.logpost``'s reference, measured in the same run: the group
commit's call to :func:`banner.log.tree.append` does nothing here (rows get
no ``log_index``, no leaf, no node), and no signed heads are made.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from banner.log import tree
from banner.log.heads import HeadKeeper


def _nothing(*_args: Any) -> None:
    return None


def create_app() -> Flask:
    from banner.web.app import create_app as banner_app

    tree.append = _nothing  # type: ignore[assignment]
    HeadKeeper.note = _nothing  # type: ignore[assignment,method-assign]
    return banner_app()

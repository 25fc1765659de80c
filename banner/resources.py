"""Where the shipped folders ``static/`` and ``translations/`` are.

In a checkout they sit beside the package; the wheel carries them inside it
(``banner/static``, ``banner/translations``), so both layouts are looked up.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``static`` or ``translations``) of this install.

    :raises FileNotFoundError: when neither layout has it.
    """
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"banner's {name}/ folder is missing from this install")

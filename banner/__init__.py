"""banner: a self-hosted, bilingual consent manager for websites under Indonesia's UU PDP."""

from __future__ import annotations

__version__ = "0.1.0"

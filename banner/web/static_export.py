"""Writing each site's loader files to a folder, for nginx or a CDN to serve.

The bytes are those the service itself serves (same pure functions: the
gate is the site's tracker parts joined with the core), so a page may load
the loader from either. A ``manifest.json`` lists every file
with its SHA-256, and each file gets a ``.gz`` twin for ``gzip_static``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from banner.core.config import SiteConfig
from banner.web.loader import css_bytes, loader_bytes, ui_bytes


def valid_base_url(url: str) -> bool:
    """An absolute http(s) URL ending with ``/``: where the service answers."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and url.endswith("/")


def site_files(site: SiteConfig, base_url: str) -> dict[str, bytes]:
    """Relative path → bytes of every file a visitor of ``site`` may load."""
    folder = f"s/{site.id}"
    return {
        f"{folder}/loader.js": loader_bytes(site, base_url),
        f"{folder}/ui.js": ui_bytes(site, base_url),
        f"{folder}/ui.css": css_bytes(),
    }


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(body, 9, mtime=0))


def export_sites(
    sites: Iterable[SiteConfig],
    base_url: str,
    folder: Path,
    report: Callable[[str], None] = lambda _path: None,
) -> dict[str, str]:
    """Write every site's files under ``folder``; return path → SHA-256."""
    manifest: dict[str, str] = {}
    for site in sites:
        for relative, body in site_files(site, base_url).items():
            _write(folder / relative, body)
            manifest[relative] = hashlib.sha256(body).hexdigest()
            report(relative)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest

"""Writing each site's loader files to a folder, for nginx or a CDN to serve.

The bytes and names are those the service itself serves (same pure
functions: the gate is the site's tracker parts joined with the core and
names the UI files ``ui.<hash>.js`` / ``ui.<hash>.css`` and their on-demand
chunks ``ui.<hash>.<chunk>.js`` by their bytes), so a
page may load the loader from either. Every notice written into a UI file
is archived first (``archive``). A ``manifest.json`` lists every file with
its SHA-256, and each file gets a ``.gz`` twin for ``gzip_static``;
``docs/nginx.conf`` serves them with the service's ``Cache-Control``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from banner.core.config import SiteConfig
from banner.core.notice import Notice, site_notices
from banner.core.texts import banner_texts
from banner.web import site_files as files


def valid_base_url(url: str) -> bool:
    """An absolute http(s) URL ending with ``/``: where the service answers."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and url.endswith("/")


def site_files(
    site: SiteConfig, base_url: str, archive: Callable[[Notice], None] = lambda _n: None
) -> dict[str, bytes]:
    """Relative path → bytes of every file a visitor of ``site`` may load.

    :param archive: stores a notice; called for each before any file holds it.
    """
    notices = site_notices(site, banner_texts)
    for notice in notices.values():
        archive(notice)
    folder = f"s/{site.id}"
    built = files.site_files(site, base_url, notices).files
    return {f"{folder}/{name}": body for name, body in built.items()}


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(body, 9, mtime=0))


def export_sites(
    sites: Iterable[SiteConfig],
    base_url: str,
    folder: Path,
    report: Callable[[str], None] = lambda _path: None,
    archive: Callable[[Notice], None] = lambda _n: None,
) -> dict[str, str]:
    """Write every site's files under ``folder``; return path → SHA-256."""
    manifest: dict[str, str] = {}
    for site in sites:
        for relative, body in site_files(site, base_url, archive).items():
            _write(folder / relative, body)
            manifest[relative] = hashlib.sha256(body).hexdigest()
            report(relative)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest

"""The four peer banners, installed from the npm registry into ``bench/.cache``.

Pinned versions, ``--ignore-scripts``, never into the project: Klaro's
install pulls sass and build tooling.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
PEERS_DIR = CACHE / "peers"
MODULES = PEERS_DIR / "node_modules"
NPM_QUIET = ("--no-audit", "--no-fund", "--save-exact")


@dataclass(frozen=True, slots=True)
class Peer:
    """A peer banner: its npm package and the files a site includes."""

    name: str
    package: str
    version: str
    files: tuple[str, ...]

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    def paths(self) -> list[Path]:
        return [MODULES / self.package / f for f in self.files]


PEERS = (
    Peer(
        "vanilla-cookieconsent",
        "vanilla-cookieconsent",
        "3.1.0",
        ("dist/cookieconsent.umd.js", "dist/cookieconsent.css"),
    ),
    Peer(
        "orejime", "orejime", "3.2.1", ("dist/orejime-standard-en.js", "dist/orejime-standard.css")
    ),
    Peer("klaro", "klaro", "0.7.22", ("dist/klaro.js",)),
    Peer(
        "cookieconsent (Osano)",
        "cookieconsent",
        "3.1.1",
        ("build/cookieconsent.min.js", "build/cookieconsent.min.css"),
    ),
)


def _installed(peer: Peer) -> bool:
    manifest = MODULES / peer.package / "package.json"
    return manifest.exists() and f'"version": "{peer.version}"' in manifest.read_text()


def install() -> None:
    """Install every peer at its pinned version unless already there.

    :raises RuntimeError: when npm is missing.
    """
    missing = [p.spec for p in PEERS if not _installed(p)]
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the peers: apt-get install npm")
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(PEERS_DIR), "--ignore-scripts", *NPM_QUIET, *missing],
        check=True,
        stdout=subprocess.DEVNULL,
    )

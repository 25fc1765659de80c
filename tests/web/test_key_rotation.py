"""Key rotation drill across two running instances, rolled one at a time.

The documented procedure (README, "Rotating keys"), with the last key signing:
``[old]`` → ``[new, old]`` (every instance learns ``new``; ``old`` still signs)
→ ``[old, new]`` (``new`` signs) → ``[new]`` once ``consent_days`` have passed.
At every step, with the instances on mixed key lists, every token minted so far
verifies on both.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.processes import ServerProcess, api_call, write_config

pytestmark = pytest.mark.slow

OLD = "rotation-old-key-0123456789abcdef012345"
NEW = "rotation-new-key-fedcba9876543210fedcba"
STEPS: list[tuple[str, ...]] = [(NEW, OLD), (OLD, NEW)]


def mint(server: ServerProcess) -> str:
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    token = api_call(
        server.url + "/api/v1/consent", {**body, "consent_id": f"rot-{uuid.uuid4().hex}"}
    )
    return str(token["token"])


def valid_everywhere(servers: list[ServerProcess], tokens: list[str]) -> bool:
    return all(
        api_call(s.url + "/api/v1/verify", {"site": "tokodemo", "token": t})["valid"] is True
        for s in servers
        for t in tokens
    )


class Instance:
    """One instance restarted in place with a new key list (a rolling deploy)."""

    def __init__(self, folder: Path, database_url: str, keys: tuple[str, ...]) -> None:
        self.folder, self.database_url = folder, database_url
        self.server = self._start(keys)

    def _start(self, keys: tuple[str, ...]) -> ServerProcess:
        config = write_config(self.folder / f"{uuid.uuid4().hex}.toml", self.database_url, keys)
        return ServerProcess(config, workers=1)

    def restart(self, keys: tuple[str, ...]) -> None:
        self.server.stop()
        self.server = self._start(keys)


def test_rolling_key_rotation_never_loses_consent(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'rotation.db'}"
    instances = [Instance(tmp_path, database_url, (OLD,)) for _ in range(2)]
    try:
        tokens = [mint(i.server) for i in instances]
        for keys in STEPS:
            for instance in instances:
                instance.restart(keys)
                servers = [i.server for i in instances]
                assert valid_everywhere(servers, tokens), f"lost consent at {keys}"
                tokens += [mint(s) for s in servers]
        survivors = tokens[-2:]  # signed with NEW once every instance signs with it
        for instance in instances:
            instance.restart((NEW,))
        assert valid_everywhere([i.server for i in instances], survivors)
    finally:
        for instance in instances:
            instance.server.stop()

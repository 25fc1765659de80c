"""The first visit's weight by feature: what each behaviour of the first layer costs.

Issue 24's first-visit budget (brotli quality 11, each file on its own): the
gate, ``ui.<hash>.js`` and ``ui.<hash>.css`` of the bench's GA4+Meta+referral
site <= 5,600 B, as :func:`bench.weight.budget_weights` measures it. This
prices each behaviour of the first layer (``static/src/ui.js``,
``static/src/ui.css``) and the gate's removals of ``bench/gate_floor.toml`` on
that first visit, with ``bench.gate_floor``'s machinery: each removal of
``bench/first_floor.toml`` (exact old text -> new text, as in
``gate_floor.toml``) is applied to a scratch copy of ``static/src``, built as
``static/src/build.sh`` builds it (terser with its options and a copy of the
committed name map; the stylesheet by build.sh's own Python program), and the
site's files are made by :func:`banner.web.site_files.site_files` from it. Each
row is the mean over the same random UI hashes as ``bench.weight --hashes``
(the hash names the UI set in the gate: it alone moves the gate by ±6 B), so a
row's saving is paired. The combinations may name gate_floor.toml's removals
and combinations. Beside the three files compressed each on its own, the
"one stream" column is the same three files compressed as one.

The unchanged sources are built first and must give the committed ``static/``
files byte for byte, and their mean must be ``bench.weight --hashes``'s (else
the table would price another build). A removal whose old text is not found
exactly once stops the run with exit 2.

Run: ``.venv/bin/python -m bench.first_floor [HASHES]`` (default 24); the
markdown table is printed. Needs ``npx`` (terser from the npm registry).
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import brotli

from bench import deployment, gate_floor
from bench.gate_floor import Removal, Stale
from bench.table import markdown
from bench.weight import BUDGET_BASE, BUDGETS, FIRST_MIX, hash_means

REMOVALS = Path(__file__).with_name("first_floor.toml")
#: The first layer's sources these removals edit (relative to ``static/src``).
UI_SOURCES = ("ui.js", "ui.css")
#: The first visit's files, in the order ``budget_weights`` lists them.
FILES = ("gate", "ui.js", "ui.css")


@dataclass(frozen=True, slots=True)
class Visit:
    """Mean brotli bytes of the first visit: each file on its own, and as one stream."""

    files: Mapping[str, float]
    stream: float
    #: the most the three files weigh for one of the hashes
    most: int

    @property
    def total(self) -> float:
        return sum(self.files.values())


def removals(path: Path | None = None) -> list[Removal]:
    """The single removals of ``bench/first_floor.toml`` (or ``path``), in its order."""
    return gate_floor.removals(path or REMOVALS)


def _listed(path: Path | None) -> list[dict[str, Any]]:
    removal: list[dict[str, Any]] = gate_floor.removals_file(path or REMOVALS)["removal"]
    return removal


def asked(path: Path | None = None) -> dict[str, str]:
    """What asks for each removal's behaviour, by the removal's name."""
    return {r["name"]: r.get("asked", "") for r in _listed(path)}


def words(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """The words each removal takes out of the UI's data with its code, by its name.

    Each a key of the first layer's texts (``t``) or of the first layer itself
    (``o``, the other languages' names): the service would no longer fill them in.
    """
    return {r["name"]: tuple(r.get("words", ())) for r in _listed(path)}


def gate_names() -> dict[str, list[Removal]]:
    """gate_floor.toml's removals and combinations, by name (what a combination may name)."""
    named = {r.name: [r] for r in gate_floor.removals()}
    named.update(gate_floor.combos())
    return named


def combos(path: Path | None = None) -> dict[str, list[Removal]]:
    """The combined rows (raises :class:`Stale` for a name that is nothing's)."""
    return gate_floor.combos(path or REMOVALS, known=gate_names())


def problems(path: Path | None = None) -> list[str]:
    """Why a removal does not apply to the current sources (empty when each does)."""
    return [p for removal in removals(path) for p in gate_floor.problems(removal)]


@cache
def _brotli(body: bytes) -> int:
    return len(brotli.compress(body, quality=11))


def first_visit(
    files: Mapping[str, str], hashes: Sequence[str], without: Collection[str] = ()
) -> Visit:
    """The first visit's mean brotli bytes over ``hashes``, its sources built in ``files``.

    The gate and the UI set are filled by ``site_files`` for the bench's mix
    site, the UI hash set as :func:`bench.weight.hash_means` sets it; the
    words named in ``without`` (see :func:`words`) are left out of the UI's data.
    """
    from banner.web import site_files

    real_layer = site_files.first_layer

    def first_layer(notice: Any) -> dict[str, Any]:
        made = {k: v for k, v in real_layer(notice).items() if k not in without}
        return {**made, "t": {k: v for k, v in made["t"].items() if k not in without}}

    site = gate_floor.bench_sites()[deployment.MIX_SITE]
    sizes: dict[str, list[int]] = {name: [] for name in FILES}
    streams: list[int] = []
    totals: list[int] = []
    with gate_floor.served(files), mock.patch.object(site_files, "first_layer", first_layer):
        for named in hashes:
            with mock.patch("banner.web.site_files.ui_hash", return_value=named):
                built = site_files.site_files(site, BUDGET_BASE)
            bodies = [built.files[n] for n in ("loader.js", built.ui_name, built.css_name)]
            for name, body in zip(FILES, bodies, strict=True):
                sizes[name].append(_brotli(body))
            streams.append(_brotli(b"".join(bodies)))
            totals.append(sum(_brotli(body) for body in bodies))
    return Visit(
        {name: sum(v) / len(v) for name, v in sizes.items()},
        sum(streams) / len(streams),
        max(totals),
    )


def _row(name: str, why: str, whole: Visit, visit: Visit) -> list[str]:
    return [
        name,
        why,
        *(gate_floor.saved(whole.files[f], visit.files[f]) for f in FILES),
        gate_floor.saved(whole.total, visit.total),
        gate_floor.saved(whole.stream, visit.stream),
    ]


def _checked() -> tuple[list[Removal], dict[str, list[Removal]]]:
    """The removals and combinations, each checked against the sources before a build."""
    listed = removals()
    stale = problems()
    if stale:
        raise Stale("\n".join(stale))
    wrong = [f"{r.name}: drops a tracker part" for r in listed if r.drop]
    wrong += [
        f"{r.name}: edits {f}, not the first layer"
        for r in listed
        for f in r.files - set(UI_SOURCES)
    ]
    if wrong:
        raise Stale("\n".join(wrong))
    together = combos()
    for members in together.values():
        gate_floor.applied(members)  # stale before a single build
    return listed, together


def table(count: int) -> str:
    listed, together = _checked()
    why, taken = asked(), words()
    hashes = gate_floor.ui_hashes(count)
    with gate_floor.scratch() as work:
        base = gate_floor.baseline(work / "base", UI_SOURCES)
        whole = first_visit(base, hashes)
        measured = hash_means(count)[FIRST_MIX][0]
        if abs(whole.total - measured) > 0.01:
            raise SystemExit(
                f"the scratch build weighs {whole.total:.1f} B, bench.weight {measured}"
            )
        rows = [
            [
                "the first visit as committed (mean B)",
                "",
                *(f"{whole.files[f]:,.1f}" for f in FILES),
                f"**{whole.total:,.1f}** (max {whole.most:,})",
                f"{whole.stream:,.1f}",
            ]
        ]
        for n, removal in enumerate(listed):
            built = gate_floor.built_files([removal], work / str(n), base)
            visit = first_visit(built, hashes, taken[removal.name])
            rows.append(_row(removal.name, why[removal.name], whole, visit))
        for n, (name, members) in enumerate(together.items()):
            built = gate_floor.built_files(members, work / f"combo{n}", base)
            visit = first_visit(built, hashes, {w for r in members for w in taken.get(r.name, ())})
            row = _row(f"**together**: {name}", f"{len(members)} removals", whole, visit)
            row[-2] += f" -> **{visit.total:,.1f}** (max {visit.most:,})"
            row[-1] += f" -> {visit.stream:,.1f}"
            rows.append(row)
    rows.append(["budget (B)", "", "", "", "", f"{BUDGETS[FIRST_MIX]:,}", ""])
    headers = [
        "behaviour taken out (B saved)",
        "asked for by",
        "gate",
        "ui.js",
        "ui.css",
        "first visit (each file on its own)",
        "one stream",
    ]
    return markdown(headers, rows)


def main(argv: Sequence[str] = ()) -> int:
    return gate_floor.run(table, REMOVALS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

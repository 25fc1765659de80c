"""The returning gates' weight by feature: what each behaviour of the gate costs.

Issue 24's gate budgets (brotli quality 11, each file on its own): the GA4
gate <= 2,500 B, the GA4+Meta+referral ("mix") gate <= 2,600 B, the gate with
every tracker kind <= 3,000 B. This prices each behaviour of the kernel
(``static/src/gate.js``) and of the tracker parts (``static/src/trackers/*.js``)
by taking it out: each removal of ``bench/gate_floor.toml`` (exact old text ->
new text in one source file, or a part left out whole) is applied to a scratch
copy of ``static/src``, built with terser exactly as ``static/src/build.sh``
builds it (the same version and options, a copy of the committed name map
``props.json``, so the scratch build never grows the committed one), filled
by the service's :func:`banner.web.gate_file.loader_bytes` as
:func:`banner.web.site_files.site_files` fills it, and weighed over the same
random UI hashes as ``bench.weight --hashes`` (the hash alone moves a gate
±6 B; every row uses the same hashes, so a row's saving is paired). Two rows
price the settings JSON the service puts in instead of code.

The unchanged sources are built first and must give the committed
``static/`` files byte for byte (else the table would price another build).
A removal whose old text is not found exactly once stops the run with a
non-zero exit: a table never silently skips a row.

Run: ``.venv/bin/python -m bench.gate_floor [HASHES]`` (default 24); the
markdown table is printed. Needs ``npx`` (terser from the npm registry).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import brotli

from bench import deployment
from bench.table import markdown
from bench.weight import BUDGET_BASE, BUDGETS, GATE_EVERY, GATE_GA4, GATE_MIX

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "static" / "src"
BUILT = ROOT / "static"
REMOVALS = Path(__file__).with_name("gate_floor.toml")
GATES = {
    GATE_GA4: deployment.SITE,
    GATE_MIX: deployment.MIX_SITE,
    GATE_EVERY: deployment.EVERY_KIND_SITE,
}


class Stale(Exception):
    """A removal's old text no longer occurs exactly once in the current source."""


@dataclass(frozen=True, slots=True)
class Edit:
    file: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Removal:
    name: str
    edits: tuple[Edit, ...] = ()
    drop: tuple[str, ...] = ()

    @property
    def files(self) -> set[str]:
        return {e.file for e in self.edits}


def removals_file(path: Path | None) -> dict[str, Any]:
    """The removals file ``path`` (by default ``bench/gate_floor.toml``), read."""
    return tomllib.loads((path or REMOVALS).read_text(encoding="utf-8"))


def removals(path: Path | None = None) -> list[Removal]:
    """The single removals of ``bench/gate_floor.toml`` (or ``path``), in its order."""
    data = removals_file(path)
    return [
        Removal(
            r["name"],
            tuple(Edit(e["file"], e["old"], e["new"]) for e in r.get("edit", ())),
            tuple(r.get("drop", ())),
        )
        for r in data["removal"]
    ]


def combos(
    path: Path | None = None, known: Mapping[str, Sequence[Removal]] | None = None
) -> dict[str, list[Removal]]:
    """The combined rows: each a name and the removals it applies together, in order.

    A combo names removals of the same file, combos listed before it (their
    removals in their order), or a name of ``known`` (another file's removals
    and combos); a removal named twice is applied once. A name that is none
    of these raises :class:`Stale`.
    """
    data = removals_file(path)
    named: dict[str, list[Removal]] = {name: list(rs) for name, rs in (known or {}).items()}
    named.update({r.name: [r] for r in removals(path)})
    found: dict[str, list[Removal]] = {}
    for combo in data.get("combo", ()):
        missing = [n for n in combo["removals"] if n not in named]
        if missing:
            raise Stale(f"{combo['name']}: no removal named {missing}")
        members = [r for n in combo["removals"] for r in named[n]]
        found[combo["name"]] = list({r.name: r for r in members}.values())
        named[combo["name"]] = found[combo["name"]]
    return found


def problems(removal: Removal, sources: Path = SOURCES) -> list[str]:
    """Why ``removal`` does not apply to ``sources`` (empty when it does)."""
    found = []
    for edit in removal.edits:
        path = sources / edit.file
        if not path.is_file():
            found.append(f"{removal.name}: no file {edit.file}")
            continue
        count = path.read_text(encoding="utf-8").count(edit.old)
        if count != 1 or not edit.old:
            found.append(f"{removal.name}: {edit.file}: old text found {count} times: {edit.old!r}")
    for part in removal.drop:
        if not (sources / "trackers" / f"{part}.js").is_file():
            found.append(f"{removal.name}: no tracker part {part}")
    return found


def edited(removal: Removal, sources: Path = SOURCES) -> dict[str, str]:
    """The text of each file ``removal`` edits, edited (raises :class:`Stale`)."""
    return applied([removal], sources)


def applied(listed: Sequence[Removal], sources: Path = SOURCES) -> dict[str, str]:
    """The files edited by every removal of ``listed``, in order (raises :class:`Stale`).

    Each removal must match the sources on its own. Applied together, an edit
    whose old text an earlier edit of the list took away whole (it lay inside
    that edit's old text) has nothing left to do; any other miss is stale.
    """
    wrong = [p for removal in listed for p in problems(removal, sources)]
    if wrong:
        raise Stale("\n".join(wrong))
    texts: dict[str, str] = {}
    done: dict[str, list[str]] = {}
    for removal in listed:
        for edit in removal.edits:
            if edit.file not in texts:
                texts[edit.file] = (sources / edit.file).read_text(encoding="utf-8")
            text = texts[edit.file]
            count = text.count(edit.old)
            if count == 0 and any(edit.old in old for old in done.get(edit.file, ())):
                continue
            if count != 1:
                raise Stale(f"{removal.name}: {edit.file}: edits overlap at {edit.old!r}")
            texts[edit.file] = text.replace(edit.old, edit.new)
            done.setdefault(edit.file, []).append(edit.old)
    return texts


def build_options() -> list[str]:
    """terser's command and options, read from build.sh so the two cannot differ."""
    script = (SOURCES / "build.sh").read_text(encoding="utf-8")
    values: dict[str, str] = {}
    for line in script.splitlines():
        for key in ("terser", "internal", "reserved"):
            if line.startswith(f"{key}="):
                values[key] = line.split("=", 1)[1].strip('"')
    options = [
        line.split("=", 1)[1].strip('"')
        for line in script.splitlines()
        if line.startswith("options=")
    ]
    first = options[0]
    second = options[1].replace("$options ", "")
    second = second.replace("$internal", values["internal"]).replace(
        "$reserved", values["reserved"]
    )
    second = second.replace("\\$", "$")
    return [*values["terser"].split(), *first.split(), *second.split()]


def terser(source: str, work: Path) -> str:
    """``source`` minified as build.sh does it, with a fresh copy of the committed name map."""
    work.mkdir(parents=True, exist_ok=True)
    names = work / "props.json"
    shutil.copyfile(SOURCES / "props.json", names)
    (work / "in.js").write_text(source, encoding="utf-8")
    words = [part.replace("$here/props.json", str(names)) for part in build_options()]
    out = work / "out.js"
    # as build.sh: npx --yes terser@VERSION, the input, the options, the output
    command = [*words[:3], str(work / "in.js"), *words[3:], "--output", str(out)]
    subprocess.run(command, check=True, cwd=work)
    return out.read_text(encoding="utf-8")


def css_minifier() -> str:
    """The Python program build.sh minifies each stylesheet with (its here-document)."""
    lines = (SOURCES / "build.sh").read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line.endswith("<<'PY'"))
    end = lines.index("PY", start)
    return "\n".join(lines[start + 1 : end]) + "\n"


def minify_css(source: str, work: Path) -> str:
    """``source`` minified as build.sh does it (its own program, run the same way)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "in.css").write_text(source, encoding="utf-8")
    out = work / "out.css"
    command = [sys.executable, "-", str(work / "in.css"), str(out)]
    subprocess.run(command, input=css_minifier(), text=True, check=True, cwd=work)
    return out.read_text(encoding="utf-8")


def build(name: str, source: str, work: Path) -> str:
    """One source file of ``static/src`` built as build.sh builds it (CSS or terser)."""
    scratch = work / name.replace("/", "_")
    return minify_css(source, scratch) if name.endswith(".css") else terser(source, scratch)


def parts() -> list[str]:
    return sorted(p.stem for p in (SOURCES / "trackers").glob("*.js"))


def built_files(listed: Sequence[Removal], work: Path, base: Mapping[str, str]) -> dict[str, str]:
    """The built gate and parts with ``listed`` applied: rebuilt only where they edit."""
    files = dict(base)
    for name, text in applied(listed).items():
        files[name] = build(name, text, work)
    for part in (p for removal in listed for p in removal.drop):
        files[f"trackers/{part}.js"] = ""
    return files


def baseline(work: Path, also: Sequence[str] = ()) -> dict[str, str]:
    """The unchanged sources built (the gate, its parts, ``also``): the committed files."""
    names = ["gate.js", *(f"trackers/{p}.js" for p in parts()), *also]
    files = {}
    for name in names:
        files[name] = build(name, (SOURCES / name).read_text(encoding="utf-8"), work)
        committed = (BUILT / name).read_text(encoding="utf-8")
        if files[name] != committed:
            raise SystemExit(f"the scratch build of {name} differs from static/{name}: not priced")
    return files


Settings = Callable[[dict[str, Any]], dict[str, Any]]


def gate_means(
    files: Mapping[str, str], hashes: Sequence[str], settings: Settings | None = None
) -> dict[str, float]:
    """Each gate's mean brotli bytes over ``hashes``, its gate and parts from ``files``."""
    from banner.web import gate_file

    sites = bench_sites()
    means = {}
    with served(files, settings):
        for row, site in GATES.items():
            sizes = [
                len(
                    brotli.compress(gate_file.loader_bytes(sites[site], BUDGET_BASE, h), quality=11)
                )
                for h in hashes
            ]
            means[row] = sum(sizes) / len(sizes)
    return means


def bench_sites() -> Mapping[str, Any]:
    """The bench's sites (``deployment.config_text``), by id."""
    from banner.core.config import config_from_bytes

    text = deployment.config_text("sqlite://", "https://shop.example")
    return config_from_bytes(text.encode(), "banner.toml", {}).sites


@contextmanager
def served(files: Mapping[str, str], settings: Settings | None = None) -> Iterator[None]:
    """The service's files as built in ``files`` (the rest as committed), its settings changed.

    Every reader of ``static/`` the gate and the UI set are filled from
    (``gate_file`` and ``site_files``) gets ``files``' text where it names the file.
    """
    from banner.web import gate_file, site_files

    real_settings, real_text = gate_file.gate_settings, gate_file.static_text

    def static_text(name: str) -> str:
        return files[name] if name in files else real_text(name)

    def filled(site: Any, base_url: str, ui: str = "") -> dict[str, Any]:
        made = real_settings(site, base_url, ui)
        return settings(made) if settings else made

    with (
        mock.patch.object(gate_file, "static_text", static_text),
        mock.patch.object(site_files, "static_text", static_text),
        mock.patch.object(gate_file, "gate_settings", filled),
    ):
        yield


def ui_hashes(count: int, seed: int = 7) -> list[str]:
    """The same random UI hashes as ``bench.weight.hash_means`` draws."""
    rng = random.Random(seed)
    return [f"{rng.getrandbits(64):016x}" for _ in range(count)]


#: Settings rows: what the JSON the service fills in costs, not code.
SETTINGS: dict[str, Settings] = {
    "the settings JSON (the bench site's) -> `{}`": lambda s: {},
    "the settings' sweep patterns (`sweep`) -> `{}`": lambda s: {**s, "sweep": {}},
}


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gate_floor_") as name:
        yield Path(name)


def table(count: int) -> str:
    listed = removals()
    stale = [p for r in listed for p in problems(r)]
    if stale:
        raise Stale("\n".join(stale))
    together = combos()
    for members in together.values():
        applied(members)  # stale before a single build
    hashes = ui_hashes(count)
    with scratch() as work:
        base = baseline(work / "base")
        whole = gate_means(base, hashes)
        rows = [["the gate as committed (mean B)", *(f"{whole[g]:,.1f}" for g in GATES)]]
        for n, removal in enumerate(listed):
            means = gate_means(built_files([removal], work / str(n), base), hashes)
            rows.append([removal.name, *(saved(whole[g], means[g]) for g in GATES)])
        for name, change in SETTINGS.items():
            means = gate_means(base, hashes, change)
            rows.append([name, *(saved(whole[g], means[g]) for g in GATES)])
        for n, (name, members) in enumerate(together.items()):
            means = gate_means(built_files(members, work / f"combo{n}", base), hashes)
            cut = [saved(whole[g], means[g]) for g in GATES]
            rows.append(
                [
                    f"**together**: {name} (B saved -> gate B)",
                    *(f"{s} -> {means[g]:,.1f}" for s, g in zip(cut, GATES, strict=True)),
                ]
            )
    rows.append(["budget (B)", *(f"{BUDGETS[g]:,}" for g in GATES)])
    headers = ["behaviour taken out (B saved)", "GA4 gate", "mix gate", "every-kind gate"]
    return markdown(headers, rows)


def saved(whole: float, without: float) -> str:
    """The bytes ``without`` saves against ``whole``, as a table shows them."""
    saved = whole - without
    return "0" if abs(saved) < 0.05 else f"{saved:,.1f}"


def run(build_table: Callable[[int], str], listed: Path, argv: Sequence[str]) -> int:
    """Print ``build_table(HASHES)``; 2 when a removal of ``listed`` is stale."""
    count = int(argv[0]) if argv else 24
    try:
        print(f"mean over {count} random UI hashes (seed 7, as bench.weight --hashes)\n")
        print(build_table(count))
    except Stale as stale:
        print(f"stale removals (bench/{listed.name}):\n{stale}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] = ()) -> int:
    return run(table, REMOVALS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

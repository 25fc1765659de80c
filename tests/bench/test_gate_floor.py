"""bench.gate_floor's removals still match the sources they price (pure: no terser).

A removal whose old text moved or changed would price nothing, or another
behaviour: the bench then stops with a non-zero exit, and this test fails
first, naming the row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import gate_floor
from bench.gate_floor import Edit, Removal, Stale


def test_every_removal_matches_the_current_sources_exactly_once() -> None:
    listed = gate_floor.removals()
    assert listed
    assert [p for removal in listed for p in gate_floor.problems(removal)] == []


def test_every_removal_changes_something_and_names_are_unique() -> None:
    listed = gate_floor.removals()
    assert len({r.name for r in listed}) == len(listed)
    for removal in listed:
        assert removal.edits or removal.drop, removal.name
        for edit in removal.edits:
            assert edit.old != edit.new, removal.name
        changed = gate_floor.edited(removal)
        for name, text in changed.items():
            assert text != (gate_floor.SOURCES / name).read_text(encoding="utf-8")


def test_every_part_of_the_build_is_priced_whole() -> None:
    dropped = {p for r in gate_floor.removals() for p in r.drop}
    assert dropped == set(gate_floor.parts())


def test_every_combination_applies_together() -> None:
    together = gate_floor.combos()
    assert together
    for members in together.values():
        assert gate_floor.applied(members)


def test_a_stale_removal_is_named_and_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "gate.js").write_text("const a = 1;\nconst a = 1;\n", encoding="utf-8")
    gone = Removal("gone", (Edit("gate.js", "const b = 2;", ""),))
    twice = Removal("twice", (Edit("gate.js", "const a = 1;", ""),))
    assert "gone: gate.js: old text found 0 times" in gate_floor.problems(gone, tmp_path)[0]
    assert "found 2 times" in gate_floor.problems(twice, tmp_path)[0]
    with pytest.raises(Stale, match="gone"):
        gate_floor.edited(gone, tmp_path)


def test_an_edit_inside_an_earlier_one_is_absorbed_but_not_the_other_way(tmp_path: Path) -> None:
    (tmp_path / "gate.js").write_text("f(a);\ng(b);\n", encoding="utf-8")
    whole = Removal("whole", (Edit("gate.js", "f(a);\ng(b);\n", ""),))
    inner = Removal("inner", (Edit("gate.js", "g(b);", "g();"),))
    assert gate_floor.applied([whole, inner], tmp_path) == {"gate.js": ""}
    with pytest.raises(Stale, match="whole"):
        gate_floor.applied([inner, whole], tmp_path)


def test_the_stale_run_exits_non_zero(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    listed = tmp_path / "removals.toml"
    listed.write_text(
        '[[removal]]\nname = "gone"\n[[removal.edit]]\nfile = "gate.js"\n'
        'old = "no such text in the gate"\nnew = ""\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(gate_floor, "REMOVALS", listed)
    assert gate_floor.main(["1"]) == 2


def test_the_terser_command_is_build_sh_s() -> None:
    words = gate_floor.build_options()
    script = (gate_floor.SOURCES / "build.sh").read_text(encoding="utf-8")
    lines = dict(
        line.split("=", 1) for line in script.splitlines() if line[:1].isalpha() and "=" in line
    )
    assert words[:3] == lines["terser"].strip('"').split()
    assert "passes=3,pure_getters=true,unsafe_arrows=true" in words
    internal, reserved = lines["internal"].strip('"'), lines["reserved"].strip('"')
    assert f"builtins=true,regex=/^({internal})$/,reserved=[{reserved}]" in words
    assert not any("$internal" in w or "\\$" in w for w in words)
    assert words[-2:] == ["--name-cache", "$here/props.json"]


def test_a_combination_names_earlier_ones_and_known_removals(tmp_path: Path) -> None:
    listed = tmp_path / "removals.toml"
    listed.write_text(
        '[[removal]]\nname = "one"\n[[removal.edit]]\nfile = "gate.js"\nold = "a"\nnew = ""\n'
        '[[combo]]\nname = "first"\nremovals = ["one", "outside"]\n'
        '[[combo]]\nname = "second"\nremovals = ["first", "one"]\n',
        encoding="utf-8",
    )
    outside = Removal("outside", (Edit("gate.js", "b", ""),))
    together = gate_floor.combos(listed, known={"outside": [outside]})
    assert [r.name for r in together["first"]] == ["one", "outside"]
    assert [r.name for r in together["second"]] == ["one", "outside"]
    with pytest.raises(Stale, match="outside"):
        gate_floor.combos(listed)


def test_the_whole_table_is_built_with_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every code path of ``table`` runs (the build stood in for by the sources unminified).

    The figures are not terser's here; the rows are the table's: one per removal, per
    settings change and per combination, each combination with its gate bytes.
    """

    def unminified(work: Path, also: tuple[str, ...] = ()) -> dict[str, str]:
        names = ["gate.js", *(f"trackers/{p}.js" for p in gate_floor.parts()), *also]
        return {n: (gate_floor.SOURCES / n).read_text(encoding="utf-8") for n in names}

    monkeypatch.setattr(gate_floor, "baseline", unminified)
    monkeypatch.setattr(gate_floor, "build", lambda name, source, work: source)
    rows = gate_floor.table(1).splitlines()[2:]
    names = [row.split(" | ")[0].lstrip("| ") for row in rows]
    expected = len(gate_floor.removals()) + len(gate_floor.SETTINGS) + len(gate_floor.combos())
    assert len(rows) == 1 + expected + 1  # the gate as committed, ..., the budget
    assert names[0] == "the gate as committed (mean B)" and names[-1] == "budget (B)"
    together = [row for row in rows if row.startswith("| **together**")]
    assert len(together) == len(gate_floor.combos())
    for row in together:
        cells = [c.strip() for c in row.strip("| ").split(" | ")]
        assert all(" -> " in cell for cell in cells[1:4]), row

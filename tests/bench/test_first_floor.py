"""bench.first_floor's removals still match the first layer they price (no terser).

A removal whose old text moved or changed would price nothing, or another
behaviour: the bench then stops with exit 2, and this test fails first, naming
the row. The measure itself is checked against bench.weight's on the committed
files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from banner.web.site_files import ui_data
from bench import deployment, first_floor, gate_floor
from bench.gate_floor import Stale
from bench.weight import FIRST_MIX, hash_means

AS_SPECIFIED = (
    "(a) the first visit as specified: "
    "the gate's and the first layer's beyond SPEC.md and the reviews"
)


def test_every_removal_matches_the_current_sources_exactly_once() -> None:
    assert first_floor.removals()
    assert first_floor.problems() == []


def test_every_removal_edits_the_first_layer_only_and_changes_it() -> None:
    listed = first_floor.removals()
    names = [r.name for r in listed]
    assert len(set(names)) == len(names)
    assert not set(names) & set(first_floor.gate_names())
    for removal in listed:
        assert removal.edits and not removal.drop, removal.name
        assert removal.files <= set(first_floor.UI_SOURCES), removal.name
        for name, text in gate_floor.edited(removal).items():
            assert text != (gate_floor.SOURCES / name).read_text(encoding="utf-8")


def test_every_removal_says_what_asks_for_it() -> None:
    why = first_floor.asked()
    assert set(why) == {r.name for r in first_floor.removals()}
    assert all(why.values())


def test_every_combination_applies_together() -> None:
    together = first_floor.combos()
    assert AS_SPECIFIED in together
    for members in together.values():
        assert gate_floor.applied(members)


def test_the_floor_as_specified_takes_out_everything_nothing_asks_for() -> None:
    """(a) does every removal asked for by "none" (but the look) and the gate's."""
    together = first_floor.combos()
    floor = together[AS_SPECIFIED]
    whole = gate_floor.applied(floor)
    why = first_floor.asked()
    for removal in first_floor.removals():
        if why[removal.name].startswith("none") and "not in (a)" not in why[removal.name]:
            assert gate_floor.applied([*floor, removal]) == whole, removal.name
    gate = gate_floor.combos()
    beyond = next(members for name, members in gate.items() if name.startswith("what SPEC.md"))
    assert set(r.name for r in beyond) <= {r.name for r in floor}


def test_a_stale_removal_stops_the_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    listed = tmp_path / "removals.toml"
    listed.write_text(
        '[[removal]]\nname = "gone"\nasked = "none"\n[[removal.edit]]\nfile = "ui.js"\n'
        'old = "no such text in the first layer"\nnew = ""\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(first_floor, "REMOVALS", listed)
    assert first_floor.main(["1"]) == 2


def test_a_combination_naming_nothing_is_stale(tmp_path: Path) -> None:
    listed = tmp_path / "removals.toml"
    listed.write_text(
        '[[removal]]\nname = "one"\n[[removal.edit]]\nfile = "ui.js"\nold = "a"\nnew = ""\n'
        '[[combo]]\nname = "both"\nremovals = ["one", "no such removal"]\n',
        encoding="utf-8",
    )
    with pytest.raises(Stale, match="no such removal"):
        first_floor.combos(listed)


def test_the_stylesheet_is_built_by_build_sh_s_own_program(tmp_path: Path) -> None:
    source = (gate_floor.SOURCES / "ui.css").read_text(encoding="utf-8")
    built = gate_floor.build("ui.css", source, tmp_path)
    assert built == (gate_floor.BUILT / "ui.css").read_text(encoding="utf-8")
    assert "re.sub" in gate_floor.css_minifier()


def test_the_first_visit_is_weighed_as_bench_weight_weighs_it() -> None:
    hashes = gate_floor.ui_hashes(2)
    committed = first_floor.first_visit({}, hashes)
    assert committed.total == pytest.approx(hash_means(2)[FIRST_MIX][0])
    assert committed.most >= committed.total
    assert committed.stream < committed.total
    bigger = (gate_floor.BUILT / "ui.css").read_text(encoding="utf-8") + ".bn-x{color:red}\n"
    changed = first_floor.first_visit({"ui.css": bigger}, hashes)
    assert changed.files["ui.css"] > committed.files["ui.css"]
    assert changed.files["gate"] == committed.files["gate"]


def test_every_word_taken_out_is_in_the_first_layer_s_data() -> None:
    data = ui_data(gate_floor.bench_sites()[deployment.MIX_SITE])
    layer = next(v for k, v in data.items() if k != "theme")
    taken = first_floor.words()
    assert set(taken) == {r.name for r in first_floor.removals()}
    for name, keys in taken.items():
        for key in keys:
            assert key in layer or key in layer["t"], (name, key)


def test_words_taken_out_leave_the_ui_s_data_only() -> None:
    hashes = gate_floor.ui_hashes(1)
    committed = first_floor.first_visit({}, hashes)
    without = first_floor.first_visit({}, hashes, {"new_tab", "o"})
    assert without.files["ui.js"] < committed.files["ui.js"]
    assert without.files["gate"] == committed.files["gate"]

"""The layout's rules: imports flow one way between the parts, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "banner"
#: What each part may import of banner (besides itself).
ALLOWED = {
    "core": {"core", "resources"},
    "log": {"core", "log"},
    "check": {"core", "check"},
    "web": {"core", "log", "check", "web", "resources"},
    "cli": {"core", "log", "check", "web", "cli", "app", "resources", "scan", "admin"},
    "scan": {"core", "log", "scan", "resources"},
    "admin": {"core", "log", "web", "admin", "resources"},
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("banner."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("banner.")}
    return found


@pytest.mark.parametrize(
    "part", sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
)
def test_a_part_imports_only_downward(part: str) -> None:
    for module in (PACKAGE / part).rglob("*.py"):
        wrong = _imports(module) - ALLOWED[part]
        assert not wrong, f"{module.relative_to(PACKAGE)} imports {sorted(wrong)}"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _run_at_import(tree: ast.Module) -> list[ast.stmt]:
    """The statements that run when the module is imported: its body, bar type-only
    blocks and function bodies, plus the bodies of its functions called from its body
    (a ``_register()`` at the bottom imports as surely as a top-level import)."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    run: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        run.append(node)
        called = (
            node.value.func
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            else None
        )
        if isinstance(called, ast.Name) and called.id in functions:
            run += functions[called.id].body
    return run


def _module_edges(path: Path, known: set[str]) -> set[str]:
    """The banner modules importing ``path`` imports."""
    found: set[str] = set()
    for statement in _run_at_import(ast.parse(path.read_text(encoding="utf-8"))):
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("banner")
            ):
                found |= {
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                    for a in node.names
                }
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
    return found & known


def test_no_modules_import_each_other_in_a_loop() -> None:
    paths = {_module(p): p for p in PACKAGE.rglob("*.py")}
    edges = {m: _module_edges(p, set(paths)) - {m} for m, p in paths.items()}
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, "import loop: " + " -> ".join((*trail, module))
        if module not in done:
            for imported in sorted(edges[module]):
                visit(imported, (*trail, module))
            done.add(module)

    for module in sorted(edges):
        visit(module, ())


def test_no_module_over_400_lines_and_few_at_the_top() -> None:
    big = [
        f"{p.relative_to(PACKAGE)} ({n})"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert not big
    assert len(list(PACKAGE.glob("*.py"))) <= 12

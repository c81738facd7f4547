"""The promise reader's fingerprint covers every callqa module the reader imports, so that a change
to any of them makes a recheck read the promises again."""

from __future__ import annotations

import ast
from importlib import resources

from callqa.ptp.version import DEPENDS_ON, reader_version


def imported_modules(module: str) -> set[str]:
    """The callqa modules `module` imports directly."""
    package, _, name = module.rpartition(".")
    source = resources.files(package).joinpath(f"{name}.py").read_text(encoding="utf-8")
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("callqa"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("callqa")}
    return found


def test_the_fingerprint_covers_every_module_the_reader_imports() -> None:
    ptp = {
        f"callqa.ptp.{p.name[:-3]}" for p in resources.files("callqa.ptp").iterdir() if p.name.endswith(".py")
    }
    seen: set[str] = set()
    todo = sorted(ptp)
    while todo:
        module = todo.pop()
        if module in seen or module == "callqa.ptp":
            continue
        seen.add(module)
        todo += sorted(imported_modules(module) - {"callqa.ptp"})
    outside = {m for m in seen if not m.startswith("callqa.ptp")}
    covered = {f"{pkg}.{name[:-3]}" for pkg, name in DEPENDS_ON if name.endswith(".py")}
    assert outside == covered


def test_the_fingerprint_is_stable_within_a_process() -> None:
    version = reader_version()
    assert len(version) == 16 and int(version, 16) >= 0
    reader_version.cache_clear()
    assert reader_version() == version

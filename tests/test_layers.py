"""The layer picture (README "Layout", DESIGN §4) holds: each package imports only the ones
below it, function-local imports included; models/ never imports store/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = ("app", "flows", "tasks", "services", "notifications", "models", "store", "messages")
MAY_IMPORT = {
    "messages": set(),
    "store": {"messages"},
    "models": {"messages"},
    "notifications": {"models", "store", "messages"},
    "services": {"notifications", "models", "store", "messages"},
    "tasks": {"services", "notifications", "models", "store", "messages"},
    "flows": {"tasks", "services", "notifications", "models", "store", "messages"},
    "app": {"flows", "tasks", "services", "notifications", "models", "store", "messages"},
}


def imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & set(OURS)


def test_every_package_imports_only_the_layers_below_it():
    wrong = []
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            for target in imported(path) - {package} - MAY_IMPORT[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    assert wrong == []
    assert imported(ROOT / "app" / "cli.py") and imported(ROOT / "models" / "ledger" / "views.py") == {"models"}

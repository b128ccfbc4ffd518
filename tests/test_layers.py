"""The layer picture (README "Layout", DESIGN §4) holds: each package imports only the ones
below it, function-local imports included; models/ never imports store/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = ("processes", "app", "flows", "tasks", "services", "notifications", "models", "store", "messages")
MAY_IMPORT = {
    "messages": set(),
    "store": {"messages"},
    "models": {"messages"},
    "notifications": {"models", "store", "messages"},
    "services": {"notifications", "models", "store", "messages"},
    "tasks": {"services", "notifications", "models", "store", "messages"},
    "flows": {"tasks", "services", "notifications", "models", "store", "messages"},
    "app": {"flows", "tasks", "services", "notifications", "models", "store", "messages"},
    "processes": {"app", "flows", "tasks", "services", "notifications", "models", "store", "messages"},
}


def imported(path: Path) -> set[str]:
    return every_import(path) & set(OURS)


def every_import(path: Path) -> set[str]:
    """The top-level names a module imports, function-local imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_every_package_imports_only_the_layers_below_it():
    wrong = []
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            for target in imported(path) - {package} - MAY_IMPORT[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    assert wrong == []
    assert imported(ROOT / "app" / "cli.py") and imported(ROOT / "models" / "ledger" / "views.py") == {"models"}


# DESIGN §4: the rules hold no infrastructure. What models/ may never import, even in a function.
NOT_IN_MODELS = {"prefect", "fastapi", "starlette", "uvicorn", "smtplib", "emails", "aiosmtpd", "httpx", "requests",
                 "socket", "subprocess", "shutil", "os", "redis", "psycopg"}


def test_models_import_no_prefect_web_mail_or_processes(tmp_path):
    wrong = [f"{path.relative_to(ROOT)} imports {name}" for path in sorted((ROOT / "models").rglob("*.py"))
             for name in sorted(every_import(path) & NOT_IN_MODELS)]
    assert wrong == []
    # The check sees an import wherever it hides (in a function too), as it would in a rule.
    rule = tmp_path / "rule.py"
    rule.write_text("def f():\n    from prefect import flow\n    import smtplib.x\n", encoding="utf-8")
    assert every_import(rule) & NOT_IN_MODELS == {"prefect", "smtplib"}


# DESIGN §4: a flow decides the order of tasks and where to wait; every effect is a task. What
# a flow body may take from below tasks/: the settings and clock, typed results, the moment a
# job acts for (pure), and calendar words for a run's name. Prefect's own: flow, logger,
# suspend, runtime (serve.py, which builds the deployments, is glue, not a flow).
FLOW_MAY_USE = {"prefect": {"flow", "get_run_logger"}, "prefect.flow_runs": {"asuspend_flow_run"},
                "prefect.runtime": {"flow_run"}, "services": {"context"}, "services.case_pass": {"Case"},
                "services.jobs": {"RoundOpening", "SweepReport", "BuiltNotice", "NoticeDue", "job_moment"},
                "models.deadlines.calendar": {"local_time"}}


def flow_imports(path: Path) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {(node.module, a.name) for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {(a.name, "*") for a in node.names}
    return found


def test_flows_do_no_io_but_through_tasks():
    wrong = []
    for path in sorted((ROOT / "flows").glob("*.py")):
        if path.name in ("serve.py", "__init__.py"):
            continue
        for module, name in sorted(flow_imports(path)):
            top = module.split(".")[0]
            if top in ("tasks", "flows") or top not in OURS + ("prefect",):
                continue  # tasks, other flows, the standard library
            if name not in FLOW_MAY_USE.get(module, set()):
                wrong.append(f"{path.name}: from {module} import {name}")
    assert wrong == []

"""prefect.yaml stays loadable and matches what `rectiflow up` serves."""

import importlib
from pathlib import Path

import yaml

from flows.serve import deployments

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_entrypoints_are_the_served_flows():
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    declared = {}
    for d in config["deployments"]:
        path, _, name = d["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        assert flow.name == d["name"], d  # deployment "X/X", as services/case_runs.py addresses it
        declared[d["name"]] = d["work_pool"]["name"]
    assert set(declared) == {d.name for d in deployments()}
    assert set(declared.values()) == {"rectiflow"}


def test_prefect_yaml_declares_every_field_as_the_runner_does():
    """One definition (flows/serve.py DEPLOYMENTS); prefect.yaml must agree field by field,
    schedules included (in the default time zone, as prefect.yaml states it)."""
    from flows.serve import DEPLOYMENTS, TAGS

    config = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]}
    assert set(config) == {d.flow.name for d in DEPLOYMENTS}
    for d in DEPLOYMENTS:
        y = config[d.flow.name]
        assert (y["entrypoint"], y["description"], y["tags"]) == (d.entrypoint, d.description, TAGS), d.flow.name
        wanted = ([{"cron": d.cron, "timezone": "Asia/Shanghai"}] if d.cron
                  else [{"interval": d.every_seconds}] if d.every_seconds else None)
        assert y.get("schedules") == wanted, d.flow.name
        assert y.get("triggers", []) == list(d.triggers), d.flow.name
        assert y.get("concurrency_limit") == d.concurrency_limit, d.flow.name


def test_the_repair_automation_is_created_with_the_deployments(case_deployment):
    """Serving (or `rectiflow up`) creates the automation that repairs ended case runs."""
    import asyncio

    from prefect.client.orchestration import get_client

    async def automations() -> list:
        async with get_client() as client:
            return await client.read_automations_by_name("repair-case-runs")

    [automation] = asyncio.run(automations())
    assert automation.enabled and automation.trigger.expect == {
        "prefect.flow-run.Crashed", "prefect.flow-run.Cancelled", "prefect.flow-run.Failed"}
    [action] = automation.actions
    assert action.type == "run-deployment"

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
        assert flow.name == d["name"], d  # deployment "X/X", as flows.control addresses it
        declared[d["name"]] = d["work_pool"]["name"]
    assert set(declared) == {d.name for d in deployments()}
    assert set(declared.values()) == {"rectiflow"}

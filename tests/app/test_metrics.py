"""`/metrics` as the bureau's Prometheus scrapes it: off without a token, refused with a wrong
one, and with the right one the ledger's figures (open items by colour, mail) and Prefect's
(the API answering, runs stuck or late) in Prometheus' text format."""

from prometheus_client.parser import text_string_to_metric_families

from store.settings import get_settings
from tests.app.web import assigned_item, portal
from tests.stack import Stack

TOKEN = "scrape-token-of-the-monitoring-0123"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_need_their_token_and_tell_the_ledgers_and_prefects_figures(stack: Stack, monkeypatch):
    assert portal().get("/metrics").status_code == 404  # not enabled
    monkeypatch.setenv("RECTIFLOW_METRICS_TOKEN", TOKEN)
    get_settings.cache_clear()
    assigned_item(stack)
    assigned_item(stack, title="会议记录缺失", detail="三会一课记录不全")

    client = portal()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    open_items = {labels[0][1]: value for (name, labels), value in found.items() if name == "rectiflow_open_items"}
    assert sum(open_items.values()) == 2 and set(open_items) == {"blue", "yellow", "red", "none"}
    assert open_items["none"] == 2  # just assigned: within their time
    assert found[("rectiflow_unacknowledged_items", ())] == 2  # nobody has signed for them yet
    assert found[("rectiflow_mail", (("status", "failed"),))] == 0
    assert found[("rectiflow_prefect_up", ())] == 1
    assert found[("rectiflow_runs_stuck", ())] == 0 and found[("rectiflow_runs_late", ())] == 0


def test_the_alert_rules_name_only_figures_the_portal_exports():
    import re
    from pathlib import Path

    import yaml

    from app.web.metrics import _exposition
    from services.metrics import Figures

    rules = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy/prometheus/alerts.yml").read_text())
    exported = {f.name for f in text_string_to_metric_families(_exposition(Figures({}, 0, {}, True)).decode())}
    named = {m for group in rules["groups"] for rule in group["rules"]
             for m in re.findall(r"rectiflow_[a-z_]+", rule["expr"])}
    assert named and named <= exported | {"rectiflow_last_sweep_timestamp_seconds"}, named - exported
    assert {r["alert"] for g in rules["groups"] for r in g["rules"]} >= {
        "RectiflowWorkerOffline", "RectiflowServicesDown", "RectiflowMailFailing", "RectiflowRunStuck"}

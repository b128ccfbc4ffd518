"""The `overview` artifact: one key, refreshed by every case pass and by the sweep, so the
Prefect UI always has the bureau's picture (services.overview has the figures)."""

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from messages.labels import COLOURS, slip
from services import context as ctx
from services.overview import Overview, overview

OVERVIEW_KEY = "overview"


def overview_markdown(ov: Overview, *, portal_url: str) -> str:
    met = "达标 met" if ov.target_met else "未达标 not met"
    colour_heads = " | ".join(slip(name) for name in COLOURS)  # words: not every screen has emoji
    lines = [
        f"# 整改总览 Overview · {ov.local_at} ({ov.timezone})", "",
        f"[打开门户仪表盘 Open the portal dashboard]({portal_url.rstrip('/')}/dashboard)", "",
        f"## 本月 This month ({ov.month})", "",
        "| 新发现 found | 已销号 closed | 逾期 overdue | 在办 open | 未签收 unacknowledged | 支部达标率 compliance "
        "| 年度目标 target |",
        "|---|---|---|---|---|---|---|",
        f"| {ov.found} | {ov.closed} | {ov.overdue} | {ov.open} | {ov.unacknowledged} "
        f"| {ov.compliance_rate:g}% ({met}) | {ov.target}% |",
        "", "## 各支部 Branches", "",
        f"| 支部 branch | 在办 open | {colour_heads} | 本月发现 found | 本月销号 closed | 逾期 overdue | 得分 score |",
        "|---|---|" + "---|" * len(COLOURS) + "---|---|---|---|",
    ]
    for b in ov.branches:
        counts = " | ".join(str(b.colours[name]) for name in COLOURS)
        mark = "" if b.compliant else " ✗"
        lines.append(f"| {b.name} | {b.open} | {counts} | {b.found} | {b.closed} | {b.overdue} | {b.score}{mark} |")
    return "\n".join(lines) + "\n"


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_overview(now: datetime | None = None) -> str:
    """Write the overview artifact as the ledger stands."""
    at = now or ctx.now()
    markdown = overview_markdown(overview(now=at, trend_months=1), portal_url=ctx.settings().portal_url)
    create_markdown_artifact(key=OVERVIEW_KEY, markdown=markdown,
                             description="整改总览：各支部督办颜色、本月发现/销号/逾期、达标率对照目标")
    return markdown

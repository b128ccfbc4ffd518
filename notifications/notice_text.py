"""The words of the monthly notice (通报), once, for all its forms: the Word document, the
HTML mail and the markdown artifact render these sections."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from messages import labels

TIERS = {k: zh for k, (zh, _en) in labels.TIERS.items()}
CN_NUMBERS = "一二三四五六七八九十"
BRANCH_HEADER = ["党支部", "发现", "销号", "按期销号", "逾期", "蓝/黄/红", "延期", "反弹", "得分", "等次", "达标"]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    colours: list[str] = field(default_factory=list)  # per row: green / blue / yellow / red


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: bool = False  # the trend chart goes here, after the paragraphs
    caption: str = ""


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _short(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}月{d.day}日"


def sections(figures: dict[str, Any]) -> list[Section]:
    t = figures["totals"]
    year, month = int(figures["month"][:4]), int(figures["month"][5:])
    branches = figures["branches"]
    compliant = sum(1 for b in branches if b["compliant"])
    met = "已达到" if figures["target_met"] else "未达到"
    overview = Section("总体情况", [
        f"{year}年{month}月，督察组对{len(branches)}个党支部开展作风建设督察，发现问题{t['found']}个；"
        f"当月整改销号{t['closed']}个，其中按期销号{t['closed_on_time']}个。截至{_short(figures['as_of'])}，"
        f"逾期未整改{t['overdue']}个，已交办尚未签收{t.get('unacknowledged', 0)}个；"
        f"在督办事项中，蓝色督办{t['level1']}个、黄色督办{t['level2']}个、"
        f"红色督办{t['level3']}个；当月批准延期{t['extensions']}个，问题反弹{t['recurrences']}个。",
        f"本月{compliant}个党支部达标，达标率{figures['compliance_rate']:g}%，"
        f"{year}年度目标为{figures['target']}%，{met}年度目标。",
    ])
    stood_in = [f"{person}（{_short(first)}至{_short(last)}）由{delegate}代为办理" for person, delegate, first, last
                in figures.get("absences", [])]
    if stood_in:  # 委托: both names, as the history records them
        overview.paragraphs.append("本月外出委托：" + "；".join(stood_in) + "。")
    rows, colours = [], []
    for b in branches:
        rows.append([b["name"], str(b["found"]), str(b["closed"]), str(b["closed_on_time"]), str(b["overdue"]),
                     f"{b['level1']}/{b['level2']}/{b['level3']}", str(b["extensions"]), str(b["recurrences"]),
                     str(b["score"]), TIERS[b["tier"]], "是" if b["compliant"] else "否"])
        colours.append(b["colour"])
    by_tier = {tier: "、".join(b["name"] for b in branches if b["tier"] == tier) or "无" for tier in TIERS}
    table = Section("各党支部情况", [
        "各党支部本月情况见下表（督办颜色标于支部名称）。按月度得分评定等次："
        + "；".join(f"{TIERS[k]}：{v}" for k, v in by_tier.items()) + "。",
    ], table=Table(BRANCH_HEADER, rows, colours))
    reds = [f"{i + 1}. {r['code']}，{r['unit']}“{r['title']}”，责任人{r['owner']}，整改期限{_short(r['due_on'])}，"
            f"{_short(r['detail'])}进入红色督办。" for i, r in enumerate(figures["red_items"]) if r["due_on"]]
    red = Section("红色督办事项", reds or ["本月无红色督办事项。"])
    parts = [f"{i + 1}. {p['unit']}：{p['code']}“{p['title']}”（分解自{p['detail']}），责任人{p['owner']}，"
             f"整改期限{_short(p['due_on'])}，未按期完成。" for i, p in enumerate(figures.get("late_parts", []))]
    if parts:  # only when some are late: a section saying "none" would be paperwork
        red.paragraphs.extend(["分解事项中未按期完成的（计入各自单位）：", *parts])
    goods = [f"{i + 1}. {g['code']}，{g['unit']}“{g['title']}”，责任人{g['owner']}，{g['detail']}。"
             for i, g in enumerate(figures["good_examples"])]
    good = Section("典型做法", goods or ["本月无符合条件的典型做法。"])
    trend = Section("近12个月趋势", ["近12个月问题发现、整改销号及支部达标情况如下图。"], chart=True,
                    caption="图1  近12个月问题发现、整改销号与支部达标率")
    asks = Section("下一步工作要求", [
        "（一）逾期和红色督办事项所在党支部，要在收到本通报后5个工作日内向督察组书面说明原因和整改措施。",
        "（二）各党支部要对照负面清单举一反三，防止问题反弹，确保按期整改销号。",
        "（三）督察组将持续跟踪督办，整改情况纳入年度党建工作考核。",
    ])
    return [overview, table, red, good, trend, asks]


def numbered(index: int, heading: str) -> str:
    return f"{CN_NUMBERS[index]}、{heading}"


def markdown(figures: dict[str, Any], *, number: str, title: str, issuer: str, status: str, dated: date) -> str:
    """The notice as the `notice-YYYY-MM` artifact (the chart stays in the Word file and the mail)."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    # The notice is a Chinese official document: its badge too, like the draft's first line.
    badge = f"（草稿，数据截至 {figures.get('cutoff', '')}）" if status == "draft" else "（已发布）"
    lines = [f"# {title}{badge}", "", f"**{issuer}** · {number} · {cn_date(dated)}", "", "各党支部：", ""]
    for i, sec in enumerate(sections(figures)):
        lines += [f"## {numbered(i, sec.heading)}", ""]
        lines += [p + "\n" for p in sec.paragraphs]
        if sec.table:
            lines += ["| " + " | ".join(sec.table.header) + " |", "|" + "---|" * len(sec.table.header)]
            for row, colour in zip(sec.table.rows, sec.table.colours, strict=True):
                # In words: an emoji mark needs a font the reader's screen may lack.
                mark = f"【{labels.COLOURS[colour].zh}】" if colour in labels.COLOURS else ""
                lines.append("| " + " | ".join(cell(c) for c in [mark + row[0], *row[1:]]) + " |")
            lines.append("")
        if sec.chart:
            lines += ["| 月份 | 发现 | 销号 | 达标率 | 目标 |", "|---|---|---|---|---|"]
            for p in figures["trend"]:
                rate = "—" if p["rate"] is None else f"{p['rate']:g}%"
                lines.append(f"| {p['month']} | {p['found']} | {p['closed']} | {rate} | {p['target']}% |")
            lines.append("")
    return "\n".join(lines) + "\n"

"""The notice's 12-month trend chart as a PNG: problems found and closed (bars), the
compliance rate against the year's target (lines). Chinese labels in Noto Sans SC, which
ships as a Python package, so the chart looks the same on any machine."""

from functools import lru_cache
from io import BytesIO
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen on a server: render to memory only

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from pylopdf_fonts_zh_cn import sans_path  # noqa: E402


@lru_cache
def chinese_font() -> str:
    path = str(sans_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def trend_chart(trend: list[dict[str, Any]], *, language: str = "zh") -> bytes:
    zh = language == "zh"
    labels = [f"{int(p['month'][5:])}月" if zh else p["month"][2:] for p in trend]
    x = range(len(trend))
    with plt.rc_context({"font.family": [chinese_font(), "DejaVu Sans"], "font.size": 9,
                         "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(6.3, 3.0), dpi=200)
        width = 0.38
        found = ax.bar([i - width / 2 for i in x], [p["found"] for p in trend], width,
                       label="发现问题" if zh else "found", color="#c0504d")
        closed = ax.bar([i + width / 2 for i in x], [p["closed"] for p in trend], width,
                        label="整改销号" if zh else "closed", color="#4f81bd")
        ax.set_xticks(list(x), labels)
        ax.set_ylabel("问题数（个）" if zh else "items")
        ax.spines[["top"]].set_visible(False)
        rate_ax = ax.twinx()
        rate_ax.set_ylim(0, 105)
        rate_ax.set_ylabel("达标率（%）" if zh else "compliance (%)")
        points = [(i, p["rate"]) for i, p in zip(x, trend, strict=True) if p["rate"] is not None]
        rate = rate_ax.plot([i for i, _ in points], [r for _, r in points], marker="o", color="#2e7d32",
                            label="支部达标率" if zh else "branches compliant")
        target = rate_ax.step(list(x), [p["target"] for p in trend], where="mid", linestyle="--",
                              color="#7f7f7f", label="年度目标" if zh else "target")
        ax.legend(handles=[found, closed, rate[0], target[0]], loc="upper left", ncols=4, frameon=False,
                  bbox_to_anchor=(0, 1.14))
        fig.tight_layout()
        out = BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
        plt.close(fig)
    return out.getvalue()

"""The dashboard's charts as inline SVG, drawn on the server: no script, no web font, readable
on a phone (each scales to the screen's width and keeps its text at a legible size)."""

from markupsafe import Markup, escape

from app.web.pages import say
from messages.labels import COLOURS, colour_label
from models.notices.figures import TrendPoint
from services.overview import BranchStand

NONE_FILL, FOUND, CLOSED, RATE, TARGET = "#cfd8dc", "#78909c", "#2e7d32", "#b4121b", "#6a1b9a"
WIDTH = 360  # user units; the SVG scales to its container


def _svg(height: float, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" aria-label="{escape(label)}" '
        f'style="max-width:720px;font-size:11px;font-family:inherit">' + "".join(body) + "</svg>")


def _text(x: float, y: float, text: object, *, anchor: str = "start", fill: str = "#333", size: int = 11) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}">'
            f"{escape(str(text))}</text>")


def colours_by_branch(branches: list[BranchStand], language: str = "zh") -> Markup:
    """One bar per branch: its open items, blue / yellow / red / not escalated."""
    label_w, bar_w, row_h = 100, WIDTH - 100 - 30, 26
    most = max([b.open for b in branches] + [1])
    body = []
    for i, b in enumerate(branches):
        y = 8 + i * row_h
        body.append(_text(0, y + 13, b.name))
        x = float(label_w)
        parts = [(COLOURS[name].swatch, n) for name, n in b.colours.items()]
        parts.append((NONE_FILL, b.open - sum(b.colours.values())))
        for fill, n in parts:
            if n <= 0:
                continue
            w = bar_w * n / most
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="18" fill="#{fill.lstrip("#")}"/>')
            if w >= 12:
                body.append(_text(x + w / 2, y + 13, n, anchor="middle", fill="#fff"))
            x += w
        body.append(_text(x + 4, y + 13, b.open if b.open else "0"))
    legend_y = 8 + len(branches) * row_h + 6
    lx = float(label_w)
    for key, c in COLOURS.items():
        body.append(f'<rect x="{lx:.0f}" y="{legend_y:.0f}" width="10" height="10" fill="#{c.swatch}"/>')
        body.append(_text(lx + 13, legend_y + 9, say(language, "chart_slip", colour=colour_label(key, language))))
        lx += 64
    body.append(f'<rect x="{lx:.0f}" y="{legend_y:.0f}" width="10" height="10" fill="{NONE_FILL}"/>')
    body.append(_text(lx + 13, legend_y + 9, say(language, "chart_no_slip")))
    return _svg(legend_y + 16, body, say(language, "chart_colours_label"))


def trend(points: list[TrendPoint], language: str = "zh") -> Markup:
    """Found and closed per month (bars) and the compliance rate against the target (lines);
    a month with no rate (before the campaign or the first finding) says 无数据 (no data)."""
    left, right, top, plot_h = 26, 26, 10, 120
    plot_w = WIDTH - left - right
    step = plot_w / max(len(points), 1)
    most = max([p.found for p in points] + [p.closed for p in points] + [1])
    base = top + plot_h
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="#999"/>',
            _text(left - 4, top + 8, most, anchor="end", fill="#666", size=9),
            _text(WIDTH - right + 4, top + 8, "100%", fill=RATE, size=9)]
    rate_pts, target_pts = [], []
    # The months with no rate come first (before the campaign or the first finding): one shaded
    # span, labelled once, instead of a label squeezed under every month.
    blank = next((i for i, p in enumerate(points) if p.rate is not None), len(points))
    if blank:
        body.append(f'<rect x="{left}" y="{top}" width="{step * blank:.1f}" height="{plot_h}" fill="#f0f0f0"/>')
        body.append(_text(left + step * blank / 2, top + plot_h / 2, say(language, "no_data"), anchor="middle",
                          fill="#999", size=12))
    for i, p in enumerate(points):
        x = left + i * step
        for j, (n, fill) in enumerate(((p.found, FOUND), (p.closed, CLOSED))):
            h = plot_h * n / most
            body.append(f'<rect x="{x + step * (0.15 + 0.35 * j):.1f}" y="{base - h:.1f}" '
                        f'width="{step * 0.33:.1f}" height="{h:.1f}" fill="{fill}"/>')
        mid = x + step / 2
        body.append(_text(mid, base + 12, p.month[5:], anchor="middle", size=9))
        target_pts.append(f"{mid:.1f},{base - plot_h * p.target / 100:.1f}")
        if p.rate is not None:
            rate_pts.append(f"{mid:.1f},{base - plot_h * p.rate / 100:.1f}")
    body.append(f'<polyline points="{" ".join(target_pts)}" fill="none" stroke="{TARGET}" stroke-dasharray="4 3"/>')
    if rate_pts:
        body.append(f'<polyline points="{" ".join(rate_pts)}" fill="none" stroke="{RATE}" stroke-width="2"/>')
        body += [f'<circle cx="{pt.split(",")[0]}" cy="{pt.split(",")[1]}" r="2.5" fill="{RATE}"/>' for pt in rate_pts]
    ly = base + 26
    legend = tuple((fill, say(language, key)) for fill, key in (
        (FOUND, "chart_found"), (CLOSED, "chart_closed"), (RATE, "chart_rate"), (TARGET, "chart_target")))
    for k, (fill, name) in enumerate(legend):
        lx = left + k * 80
        body.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{fill}"/>')
        body.append(_text(lx + 13, ly, name))
    return _svg(ly + 6, body, say(language, "chart_trend_label"))


def compliance(rate: float, target: int, branches: list[BranchStand], language: str = "zh") -> Markup:
    """The share of compliant branches against the year's target, then each branch's score."""
    label_w, bar_w = 100, WIDTH - 100 - 40
    body = [_text(0, 16, say(language, "chart_share")),
            f'<rect x="{label_w}" y="4" width="{bar_w}" height="18" fill="#eee"/>',
            f'<rect x="{label_w}" y="4" width="{bar_w * min(rate, 100) / 100:.1f}" height="18" '
            f'fill="{CLOSED if rate >= target else RATE}"/>',
            f'<line x1="{label_w + bar_w * target / 100:.1f}" y1="0" x2="{label_w + bar_w * target / 100:.1f}" '
            f'y2="26" stroke="{TARGET}" stroke-width="2"/>',
            _text(label_w + bar_w + 4, 16, f"{rate:g}%"),
            _text(label_w + bar_w * target / 100, 36, say(language, "chart_target_at", target=target), anchor="middle",
                  fill=TARGET, size=9)]
    for i, b in enumerate(branches):
        y = 46 + i * 24
        body.append(_text(0, y + 12, b.name))
        body.append(f'<rect x="{label_w}" y="{y}" width="{bar_w * b.score / 100:.1f}" height="16" '
                    f'fill="{CLOSED if b.compliant else RATE}"/>')
        below = "" if b.compliant else say(language, "chart_below")
        body.append(_text(label_w + bar_w * b.score / 100 + 4, y + 12, f"{b.score}{below}"))
    return _svg(46 + len(branches) * 24 + 4, body, say(language, "chart_compliance"))

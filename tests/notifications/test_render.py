from datetime import UTC, datetime

import pytest
from jinja2 import UndefinedError

from notifications.render import render

CTX = {
    "code": "ZG-2026-11-0001", "title": "<script>alert(1)</script>窗口推诿", "detail": "",
    "unit": "信息中心党支部", "manifestation_id": "lan-1", "manifestation_zh": "推诿扯皮",
    "manifestation_en": "Passing the buck", "deadline_class": "immediate", "due_on": "2026-12-03",
    "due_provisional": False, "owner": "高鹏", "recipient": "高鹏",
}


def test_assigned_in_chinese_with_ics_and_escaped_html():
    mail = render("assigned", language="zh", context=CTX, portal_url="https://portal.example.org",
                  stamp=datetime(2026, 11, 26, tzinfo=UTC))
    assert mail.subject.startswith("【整改交办】ZG-2026-11-0001")
    assert "请于 2026-12-03 前完成" in mail.subject
    assert "立行立改" in mail.text and "https://portal.example.org/items/ZG-2026-11-0001" in mail.text
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    [ics] = mail.attachments
    assert ics.filename == "deadline.ics"
    body = ics.data.decode()
    assert "DTSTART;VALUE=DATE:20261203" in body and "UID:zg-2026-11-0001-due@rectiflow" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_english_and_every_template_renders():
    for template, extra in [("assigned", {}), ("submitted", {"account": "done", "files": ["a.jpg"]}),
                            ("returned", {"reason": "blurry", "due_changed": True}),
                            ("closed", {"verifier": "Zhou"}), ("withdrawn", {"reason": "dup"})]:
        for lang in ("zh", "en"):
            mail = render(template, language=lang, context={**CTX, **extra}, portal_url="http://x")
            assert mail.subject and mail.text.strip() and "<html" in mail.html
            assert "\n" not in mail.subject
    en = render("returned", language="en", context={**CTX, "reason": "blurry", "due_changed": True},
                portal_url="http://x")
    assert "Reason: blurry" in en.text and en.attachments  # a new due date comes with its .ics


def test_missing_context_is_an_error_not_a_blank():
    ctx = dict(CTX)
    del ctx["unit"]
    with pytest.raises(UndefinedError):
        render("assigned", language="zh", context=ctx, portal_url="http://x")


def test_digest_lists_items_by_colour_and_escapes_titles():
    items = [
        {"code": "ZG-2026-10-0001", "title": "<b>红</b>", "unit": "信息中心党支部", "owner": "高鹏",
         "manifestation_id": "lan-1", "due_on": "2026-09-29", "level": 3, "colour": "red", "why": "escalated",
         "days": 10},
        {"code": "ZG-2026-10-0002", "title": "即将到期", "unit": "办公室党支部", "owner": "王建国",
         "manifestation_id": "tuo-1", "due_on": "2026-10-16", "level": 0, "colour": "", "why": "reminder", "days": 0},
        {"code": "ZG-2026-10-0003", "title": "待验收", "unit": "办公室党支部", "owner": "王建国",
         "manifestation_id": "tuo-1", "due_on": "2026-10-30", "level": 0, "colour": "", "why": "verify", "days": 3},
    ]
    zh = render("digest", language="zh", context={"recipient": "赵立华", "day": "2026-10-19", "items": items},
                portal_url="https://portal.example.org/")
    assert zh.subject == "【整改督办】2026-10-19：3 项需关注（红色 1 项）"
    assert "待您验收｜ZG-2026-10-0003" in zh.text and "材料已提交 3 个工作日，请验收" in zh.text
    assert "材料已提交 3 个工作日，请验收" in zh.html
    assert zh.text.index("红色督办") < zh.text.index("今日到期")
    assert "已逾期 10 个工作日" in zh.text and "https://portal.example.org/items/ZG-2026-10-0002" in zh.text
    assert "<b>" not in zh.html and "&lt;b&gt;" in zh.html and not zh.attachments
    en = render("digest", language="en", context={"recipient": "Song Kai", "day": "2026-10-19", "items": items},
                portal_url="http://x")
    assert en.subject == "[Rectification digest] 2026-10-19: 3 item(s) (1 red)" and "[RED] escalated" in en.text
    assert "evidence submitted 3 working day(s) ago" in en.text and "awaiting your verification" in en.html

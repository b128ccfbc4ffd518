"""The mail folder's robot messages read as the robot shows them (B15): a markdown link is
one whole link, not an address that swallowed its closing parenthesis."""

from app.web.mailfolder import linkify, linkify_markdown


def test_a_markdown_link_is_one_link_and_text_stays_escaped():
    shown = str(linkify_markdown("- 🔵蓝色 已逾期：[ZG-2026-11-0001](http://127.0.0.1:8000/l/abc.def) <b>标题</b>"))
    assert '<a href="http://127.0.0.1:8000/l/abc.def">ZG-2026-11-0001</a>' in shown
    assert "&lt;b&gt;标题&lt;/b&gt;" in shown and ")" not in shown.split("</a>")[0]


def test_a_plain_address_stops_before_a_closing_bracket():
    assert str(linkify("（见 http://x.example/l/a.b）")).count('href="http://x.example/l/a.b"') == 1
    assert str(linkify("see (http://x.example/l/a.b)")).endswith("</a>)")

"""Messages for messengers: a short markdown text with the recipient's signed item links,
posted to a 企业微信/政务微信 group robot, a DingTalk custom robot or a generic JSON webhook.

The payloads are the platforms' documented ones, written here rather than through a library:
Apprise (the one kept library covering both robots) has the WeCom and DingTalk hosts fixed,
and a 政务微信 private deployment speaks the same protocol at its own address, so the base
URL must be a setting (RECTIFLOW_WECOM_BASE_URL, RECTIFLOW_DINGTALK_BASE_URL).

`post` answers like the mail path: ("", False) when the platform took the message; else the
error and whether it is final (refused: a bad key, a wrong signature) rather than an outage
(unreachable, 5xx, rate limited), which only delays it."""

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from models.people.channels import Channel, ChannelKind
from store.settings import Settings

MAX_LINES = 15  # a digest's lines in a message; the mail has them all
WECOM_MAX_BYTES = 4096  # the group robot's markdown limit
RATE_LIMITED = {45009, 130101}  # WeCom's and DingTalk's "too many messages": wait and try again
WHY = {"zh": {"reminder": "即将到期", "escalated": "督办升级", "overdue": "已逾期", "verify": "待您验收",
              "unacknowledged": "尚未签收"},
       "en": {"reminder": "due soon", "escalated": "escalated", "overdue": "overdue", "verify": "to verify",
              "unacknowledged": "not acknowledged"}}
COLOURS = {"zh": {"red": "🔴红色", "yellow": "🟡黄色", "blue": "🔵蓝色"},
           "en": {"red": "🔴 red", "yellow": "🟡 yellow", "blue": "🔵 blue"}}
# What could turn people's text into a link, emphasis or markup mid-line (a robot's markdown is
# a small dialect: escaping "-" or "." would show the backslashes in some clients).
_SPECIAL = re.compile(r"([\\`*_\[\]()<>|~])")


def escape(text: Any) -> str:
    """People's text (titles, reasons) as plain text in markdown: a title cannot become a link."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def markdown(*, template: str, language: str, subject: str, context: dict[str, Any],
             item_url: Callable[[str], str]) -> str:
    """The message: the mail's subject, then the item or the digest's lines, each with its link."""
    zh = language == "zh"
    lines = [f"#### {escape(subject)}", ""]
    items = context.get("items")
    if isinstance(items, list):
        for item in items[:MAX_LINES]:
            colour = COLOURS["zh" if zh else "en"].get(item.get("colour") or "", "")
            why = WHY["zh" if zh else "en"].get(item.get("why") or "", "")
            head = " ".join(part for part in (colour, why) if part)
            lines.append(f"- {head + '：' if head and zh else head + ': ' if head else ''}"
                         f"[{item['code']}]({item_url(item['code'])}) {escape(item.get('title', ''))}")
        if len(items) > MAX_LINES:
            more = len(items) - MAX_LINES
            lines.append(f"- ……另有 {more} 项，见邮件" if zh else f"- … and {more} more in the mail")
    elif "code" in context:
        lines.append(f"[{context['code']} {escape(context.get('title', ''))}]({item_url(context['code'])})")
        if context.get("due_on"):
            lines.append(f"期限 {context['due_on']}" if zh else f"due {context['due_on']}")
        if context.get("reason"):
            lines.append(("理由：" if zh else "reason: ") + escape(context["reason"]))
    lines += ["", "（以邮件为准）" if zh else "(the mail is the record)"]
    return "\n".join(lines)


def _wecom_text(text: str) -> str:
    data = text.encode()
    if len(data) <= WECOM_MAX_BYTES:
        return text
    return data[:WECOM_MAX_BYTES - 12].decode(errors="ignore") + "\n……"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>"))."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_for(channel: Channel, *, title: str, text: str, key: str, template: str,
                settings: Settings) -> tuple[str, dict[str, str], bytes, dict[str, str]]:
    """(url, query, body, headers) of the platform's documented call."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if channel.kind is ChannelKind.wecom:
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"content": _wecom_text(text)}}
        url, query = f"{settings.wecom_base_url.rstrip('/')}/cgi-bin/webhook/send", {"key": channel.target}
    elif channel.kind is ChannelKind.dingtalk:
        stamp = int(time.time() * 1000)  # DingTalk refuses a timestamp an hour off its own clock: real time
        payload = {"msgtype": "markdown", "markdown": {"title": title[:100], "text": text}}
        url = f"{settings.dingtalk_base_url.rstrip('/')}/robot/send"
        query = {"access_token": channel.target, "timestamp": str(stamp),
                 "sign": dingtalk_sign(channel.secret, stamp)}
    else:
        payload = {"event": template, "title": title, "text": text, "key": key}
        url, query = channel.target, {}
        headers["X-Rectiflow-Key"] = key  # a receiver may fold a repeated delivery
    body = json.dumps(payload, ensure_ascii=False).encode()
    if channel.kind is ChannelKind.webhook and channel.secret:
        headers["X-Rectiflow-Signature"] = webhook_signature(channel.secret, body)
    return url, query, body, headers


def post(client: httpx.Client, channel: Channel, *, title: str, text: str, key: str, template: str,
         settings: Settings) -> tuple[str, bool]:
    url, query, body, headers = request_for(channel, title=title, text=text, key=key, template=template,
                                            settings=settings)
    try:
        response = client.post(url, params=query, content=body, headers=headers)
    except httpx.HTTPError as exc:  # unreachable, timed out: only delays it
        return f"{channel.kind.value}: {type(exc).__name__}: {exc}", False
    if response.status_code == 429 or response.status_code >= 500:
        return f"{channel.kind.value}: HTTP {response.status_code}", False
    if not 200 <= response.status_code < 300:  # refused, or redirected (never followed): final
        return f"{channel.kind.value}: HTTP {response.status_code} {response.text[:200]}", True
    if channel.kind is ChannelKind.webhook:
        return "", False
    try:
        answer = response.json()
        code = int(answer.get("errcode", -1))
    except (ValueError, TypeError, AttributeError):
        return f"{channel.kind.value}: not the platform's answer: {response.text[:200]}", True
    if code == 0:
        return "", False
    return f"{channel.kind.value}: errcode {code} {str(answer.get('errmsg', ''))[:200]}", code not in RATE_LIMITED

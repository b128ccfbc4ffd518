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
import socket
import time
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

import httpcore
import httpx

from models.people.channels import Channel, ChannelKind, webhook_host
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
        url, query = f"{settings.wecom_url.rstrip('/')}/cgi-bin/webhook/send", {"key": channel.target}
    elif channel.kind is ChannelKind.dingtalk:
        stamp = int(time.time() * 1000)  # DingTalk refuses a timestamp an hour off its own clock: real time
        payload = {"msgtype": "markdown", "markdown": {"title": title[:100], "text": text}}
        url = f"{settings.dingtalk_url.rstrip('/')}/robot/send"
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


class ForbiddenAddress(Exception):
    """A webhook's host resolved to an address it may not reach (loopback, private, link-local…)."""


def _reachable(ip: IPv4Address | IPv6Address, allowed: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed):
        return True
    return ip.is_global and not ip.is_multicast


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host once, refuses it unless every address is public (or in an allowed
    network), and connects to the address it checked: a name rebound between the check and the
    connection cannot redirect the post. TLS still verifies the certificate for the name."""

    def __init__(self, allowed: tuple[IPv4Network | IPv6Network, ...]) -> None:
        self.allowed = allowed

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        try:
            found = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
        except OSError as exc:
            raise httpcore.ConnectError(f"{host}: {exc}") from exc
        addresses = sorted((ip_address(str(a).split("%")[0]) for a in found), key=lambda ip: ip.version)
        if not addresses or not all(_reachable(ip, self.allowed) for ip in addresses):
            raise ForbiddenAddress(f"{host} resolves to {', '.join(map(str, addresses))}: not a public address "
                                   "(RECTIFLOW_WEBHOOK_NETWORKS lists internal networks a webhook may reach)")
        return super().connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowed: tuple[IPv4Network | IPv6Network, ...]) -> None:
        super().__init__()
        # httpx builds its connection pool without a way to pass a network backend: the pool is
        # rebuilt here the same way, with the guarded backend (httpx pinned in pyproject).
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                             network_backend=_GuardedBackend(allowed))


class Clients:
    """The HTTP clients of one delivery batch: one for the robots (hosts the operator set), one
    for generic webhooks (addresses people set: only public ones, checked at connection)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._robots: httpx.Client | None = None
        self._hooks: httpx.Client | None = None

    def for_channel(self, channel: Channel) -> httpx.Client:
        timeout = self.settings.messenger_timeout
        if channel.kind is ChannelKind.webhook:
            if self._hooks is None:
                self._hooks = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                                           transport=_GuardedTransport(self.settings.allowed_webhook_networks))
            return self._hooks
        if self._robots is None:
            self._robots = httpx.Client(timeout=timeout, follow_redirects=False)
        return self._robots

    def close(self) -> None:
        for client in (self._robots, self._hooks):
            if client is not None:
                client.close()


def post(clients: Clients, channel: Channel, *, title: str, text: str, key: str, template: str,
         settings: Settings) -> tuple[str, bool]:
    """Post one message: ("", False) when the platform took it; else the error and whether it
    is final. A bad destination fails its own row at once, never the batch."""
    if channel.kind is ChannelKind.webhook:  # the allow-list of now, not of when it was saved
        host = webhook_host(channel.target)
        if host is None or host not in settings.allowed_webhook_hosts:
            return f"webhook: host {host or channel.target[:80]!r} is not in RECTIFLOW_WEBHOOK_HOSTS", True
    url, query, body, headers = request_for(channel, title=title, text=text, key=key, template=template,
                                            settings=settings)
    try:
        response = clients.for_channel(channel).post(url, params=query, content=body, headers=headers)
    except ForbiddenAddress as exc:
        return f"{channel.kind.value}: {exc}", True
    except httpx.InvalidURL as exc:  # an address no request can be made to: final
        return f"{channel.kind.value}: InvalidURL: {exc}", True
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

"""A stand-in for the messenger platforms on localhost, as the SMTP sink is for mail: it
speaks the WeCom group robot's, DingTalk custom robot's and the generic webhook's protocol,
checks each post against the platform's documented payload and signature, answers as the
platform does, and keeps what it accepted as a JSON file. Tests read those; the embedded
stack shows them on its mail folder page. It reaches no real platform."""

import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from notifications.messenger import WECOM_MAX_BYTES, dingtalk_sign, webhook_signature
from store.files import private_folder, write_whole

WRONG = {"errcode": 40001, "errmsg": "invalid payload"}
DINGTALK_SKEW_MS = 3600 * 1000  # DingTalk refuses a timestamp more than an hour off


@dataclass
class Verdict:
    status: int
    answer: dict[str, Any]
    record: dict[str, Any] | None = None  # what was accepted


def check_post(kind: str, query: dict[str, str], body: bytes, headers: dict[str, str], *,
               secrets: dict[str, str], now_ms: int | None = None) -> Verdict:
    """One post as the platform would judge it. `secrets`: DingTalk tokens' and webhook paths'
    signing secrets."""
    try:
        payload = json.loads(body)
    except ValueError:
        return Verdict(400, WRONG)
    if not headers.get("content-type", "").startswith("application/json"):
        return Verdict(400, WRONG)
    if kind == "wecom":
        md = payload.get("markdown") if isinstance(payload, dict) else None
        if not query.get("key"):
            return Verdict(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        if payload.get("msgtype") != "markdown" or not isinstance(md, dict) or not isinstance(md.get("content"), str) \
                or len(md["content"].encode()) > WECOM_MAX_BYTES:
            return Verdict(200, WRONG)
        return Verdict(200, {"errcode": 0, "errmsg": "ok"}, {"kind": kind, "key": query["key"], "text": md["content"]})
    if kind == "dingtalk":
        token, stamp, sign = query.get("access_token", ""), query.get("timestamp", ""), query.get("sign", "")
        secret = secrets.get(token)
        if secret is None:
            return Verdict(200, {"errcode": 300001, "errmsg": "token is not exist"})
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        if not stamp.isdigit() or abs(now_ms - int(stamp)) > DINGTALK_SKEW_MS:
            return Verdict(200, {"errcode": 310000, "errmsg": "timestamp invalid"})
        if not hmac.compare_digest(sign, dingtalk_sign(secret, int(stamp))):
            return Verdict(200, {"errcode": 310000, "errmsg": "sign not match"})
        md = payload.get("markdown") if isinstance(payload, dict) else None
        if payload.get("msgtype") != "markdown" or not isinstance(md, dict) or not md.get("title") \
                or not isinstance(md.get("text"), str):
            return Verdict(200, WRONG)
        return Verdict(200, {"errcode": 0, "errmsg": "ok"},
                       {"kind": kind, "token": token, "title": md["title"], "text": md["text"]})
    secret = secrets.get(query.get("_path", ""), "")
    if secret and not hmac.compare_digest(headers.get("x-rectiflow-signature", ""), webhook_signature(secret, body)):
        return Verdict(401, {"error": "bad signature"})
    fields = ("event", "title", "text", "key")
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), str) for k in fields):
        return Verdict(400, {"error": "missing fields"})
    return Verdict(200, {"ok": True}, {"kind": kind, "path": query.get("_path", ""), **payload,
                                       "header_key": headers.get("x-rectiflow-key", "")})


@dataclass
class MessengerSink:
    """Posts to /wecom/cgi-bin/webhook/send, /dingtalk/robot/send and /hook/<name> on one port.
    `fail_with`: answer every post with this HTTP status (an outage) until cleared."""

    folder: Path
    host: str = "127.0.0.1"
    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)
    fail_with: int | None = None

    def __post_init__(self) -> None:
        private_folder(self.folder)
        self._n = itertools.count(1)
        self.arrived = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — the stdlib's name
                body = self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1 << 20))
                sink._handle(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.fail_with is not None:
            verdict = Verdict(self.fail_with, {"error": "outage"})
        elif parts.path == "/wecom/cgi-bin/webhook/send":
            verdict = check_post("wecom", query, body, headers, secrets=self.secrets)
        elif parts.path == "/dingtalk/robot/send":
            verdict = check_post("dingtalk", query, body, headers, secrets=self.secrets)
        elif parts.path.startswith("/hook/"):
            verdict = check_post("webhook", {**query, "_path": parts.path}, body, headers, secrets=self.secrets)
        else:
            verdict = Verdict(404, {"error": "no such endpoint"})
        if verdict.record is not None:
            keep(self.folder, verdict.record, n=next(self._n))
            with self.arrived:
                self.arrived.notify_all()
        data = json.dumps(verdict.answer).encode()
        request.send_response(verdict.status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def start(self) -> "MessengerSink":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "MessengerSink":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(found := read_messages(self.folder)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} of {count} messenger posts arrived")
                self.arrived.wait(left)
        return found


def keep(folder: Path, record: dict[str, Any], *, n: int = 0) -> None:
    private_folder(folder)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{n:05d}.json"
    # Whole (readers never see half a file) and owner-only: a post holds the robot's key.
    write_whole(folder / name, json.dumps({**record, "at": datetime.now(UTC).isoformat()}, ensure_ascii=False).encode())


def read_messages(folder: Path) -> list[dict[str, Any]]:
    """Every accepted post, oldest first."""
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []

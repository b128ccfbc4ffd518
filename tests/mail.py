"""Real SMTP for tests: the embedded sink on a free port, and waiting on arrivals."""

import socket
import time
from email.message import EmailMessage
from pathlib import Path

from notifications.sink import MailSink, read_mail


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_mail(sink: MailSink, count: int, *, timeout: float = 10.0) -> list[EmailMessage]:
    """Block until the sink holds at least `count` mails (or fail after `timeout`)."""
    deadline = time.monotonic() + timeout
    with sink.keeper.arrived:
        while len(list(sink.folder.glob("*.eml"))) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"expected {count} mails, have {len(read_mail(sink.folder))}")
            sink.keeper.arrived.wait(left)
    return read_mail(sink.folder)


def mails(folder: Path) -> list[EmailMessage]:
    return read_mail(folder)


def calendar_part(mail: EmailMessage) -> dict[str, str]:
    """The mail's calendar part: its properties (one event), and the part's charset."""
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    text = part.get_payload(decode=True).decode("utf-8").replace("\r\n ", "")
    props = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    return {**props, "charset": part.get_content_charset(), "method_param": part.get_param("method")}

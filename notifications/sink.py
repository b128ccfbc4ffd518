"""The embedded SMTP sink: a real SMTP server on localhost that keeps each mail as an
.eml file, so `rectiflow up` works without a relay and tests read what really arrived."""

import itertools
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from store.files import private_folder, write_whole


@dataclass
class _Keeper:
    folder: Path

    def __post_init__(self) -> None:
        private_folder(self.folder)
        self._n = itertools.count(1)
        self._lock = threading.Lock()
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        with self._lock:
            name = f"{stamp}-{os.getpid()}-{next(self._n):05d}.eml"
        # Whole (readers never see half a file) and owner-only: mail holds sign-in links.
        write_whole(self.folder / name, envelope.original_content or envelope.content)
        with self.arrived:
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.keeper = _Keeper(folder)
        self.folder = folder
        self.host, self.port = host, port
        self._controller = Controller(self.keeper, hostname=host, port=port)

    def start(self) -> "MailSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "MailSink":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_mail(folder: Path) -> list[EmailMessage]:
    """Every kept mail, oldest first."""
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))]

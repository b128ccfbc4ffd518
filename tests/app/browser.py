"""A real browser for portal tests: Debian's chromium driven by Playwright, the portal on a
real port (uvicorn in a thread), screenshots kept under test-artifacts/browser/."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from shutil import which
from typing import Any

from processes.stack import start_portal

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "browser"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def chromium_path() -> str:
    found = which("chromium") or which("chromium-browser")
    assert found, "browser tests need Debian's chromium: `make test` installs it (apt-get install chromium)"
    return found


@contextmanager
def served_portal(port: int, *, mail_folder: bool = True) -> Iterator[str]:
    """The portal as `rectiflow up` serves it, on a port of the test's own."""
    portal = start_portal("127.0.0.1", port, mail_folder=mail_folder)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        portal.stop()


@contextmanager
def portal_alone(tmp_path: Path, port: int, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """`rectiflow portal` in a process of its own, with only the settings given (and a data
    folder in tmp_path/rf), as a portal machine runs it."""
    from tests.processes import stop_group

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    clean.update(RECTIFLOW_DATA_DIR=str(tmp_path / "rf"), **env)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "rectiflow"), "portal", "--port", str(port)],
                            cwd=tmp_path, env=clean, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        yield proc
    finally:
        stop_group(proc)
        proc.wait(20)


def answer(url: str, **options: Any) -> Any:
    """The page at `url`, or None while nothing answers there."""
    import httpx

    try:
        return httpx.get(url, timeout=2, **options)
    except httpx.HTTPError:
        return None


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def off_loop(fn: Any) -> Any:
    """Run a call that uses asyncio.run (Prefect's client) outside Playwright's event loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()

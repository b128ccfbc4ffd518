"""Helpers for portal tests: the real app over HTTP (Starlette's test client), links taken
from the mails that really arrived, CSRF tokens read off the pages."""

import re
from email.message import EmailMessage
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from app.web.main import create_app
from tests.app.second_factor import key_in, next_code
from tests.mail import mails
from tests.stack import Stack

# The inspector who files an item verifies it.
INSPECTOR, OWNER = "zhou.jing@example.org", "gao.peng@example.org"
VERIFIER = INSPECTOR
ADMIN, SUPERVISOR = "sun.hongmei@example.org", "li.xiaodong@example.org"
LINK = re.compile(r"https?://[^/\s]+(/(?:l|login)/[A-Za-z0-9_\-.]+(?:\?next=[^\s\"<]*)?)")


def portal(*, mail_folder: bool = True) -> TestClient:
    return TestClient(create_app(mail_folder=mail_folder), follow_redirects=False)


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def link_in(mail: EmailMessage) -> str:
    """The path of the first portal link in a mail's text."""
    found = LINK.search(text_of(mail))
    assert found, text_of(mail)
    return found.group(1)


def last_mail(stack: Stack, *, to: str, subject: str) -> EmailMessage:
    found = [m for m in mails(stack.sink.folder) if m["To"] == to and subject in m["Subject"]]
    assert found, [(m["To"], m["Subject"]) for m in mails(stack.sink.folder)]
    return found[-1]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def message(html: str) -> str:
    """The refusal a page shows."""
    found = re.search(r"<h1>[^<]*</h1><p>(.*?)</p>", html, re.S)
    return found.group(1) if found else html


def jpeg(colour: str = "red") -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def assigned_item(stack: Stack, *, title: str = "群众诉求推诿", detail: str = "窗口人员推诿",
                  to: str = OWNER) -> tuple[str, str]:
    """File a finding, run its first pass; returns (code, the link in the mail `to` got)."""
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", title,
                     "--detail", detail, "--as", INSPECTOR).strip().splitlines()[0]
    stack.step(code)
    return code, link_in(last_mail(stack, to=to, subject=code))


def admin_key(stack: Stack, email: str = "sun.hongmei@example.org") -> str:
    """The admin's second-factor key, enrolled once per stack by the operator's command."""
    keys = stack.__dict__.setdefault("admin_keys", {})
    if email not in keys:
        keys[email] = key_in(stack.cli("admin", "second-factor", email))
    return keys[email]


def second_step(client: TestClient | Any, response: Any, key: str) -> Any:
    """After an admin's link: the second-factor page, and the code their authenticator shows."""
    assert response.status_code == 303 and response.headers["location"].startswith("/second-factor"), response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200, page.text[:500]
    return client.post("/second-factor", data={"csrf": csrf(page.text), "code": next_code(key), "next": re.search(
        r'name="next" value="([^"]*)"', page.text).group(1)})  # type: ignore[union-attr]


def sign_in(stack: Stack, client: TestClient, email: str) -> None:
    key = admin_key(stack, email) if email == ADMIN else ""
    page = client.get("/login")
    client.post("/login", data={"email": email, "csrf": csrf(page.text), "next": "/"})
    sent = [m for m in mails(stack.sink.folder)
            if m["To"] == email and m["Subject"].startswith(("【登录】", "[Sign in]"))]
    assert sent, f"no sign-in mail to {email}"
    mail = sent[-1]
    response = use_sign_in_link(client, link_in(mail))
    if key:
        response = second_step(client, response, key)
    assert response.status_code == 303 and "second-factor" not in response.headers["location"], response.text


def use_sign_in_link(client: TestClient | Any, path: str) -> Any:
    """What the person does with a sign-in link: its page (a GET, which uses nothing), then the
    page's one button (a POST with the page's form token)."""
    offer = client.get(path)
    assert offer.status_code == 200, offer.text[:500]
    return client.post(path, data={"csrf": csrf(offer.text), "next": re.search(
        r'name="next" value="([^"]*)"', offer.text).group(1)})  # type: ignore[union-attr]

"""Signing in with the bureau's directory password against a real OpenLDAP server (slapd,
started here): in a browser; over ldaps:// and StartTLS, both verified against the CA; an
identity the organisation does not know refused with a clear page; wrong passwords locked
out; the match by 工号 (employeeNumber) instead of e-mail."""

from pathlib import Path

import pytest
from sqlmodel import col, select

from app.web.security import SESSION_COOKIE
from models.access.attempts import SignInAttempt
from store.db import reading
from store.settings import get_settings
from tests.app.browser import browser, served_portal, shot
from tests.app.test_accessibility import axe, new_page
from tests.app.web import csrf, message, portal
from tests.mail import free_port
from tests.security.directory_server import USER_DN, DirectoryServer, directory_server
from tests.stack import Stack


@pytest.fixture
def directory(tmp_path: Path) -> DirectoryServer:
    with directory_server(tmp_path / "ldap") as server:
        yield server


def use(monkeypatch, directory: DirectoryServer, *, url: str = "", ca: bool = True, **more: str) -> None:
    monkeypatch.setenv("RECTIFLOW_LDAP_URL", url or directory.ldaps_url)
    monkeypatch.setenv("RECTIFLOW_LDAP_USER_DN", USER_DN)
    monkeypatch.setenv("RECTIFLOW_LDAP_CA_FILE", str(directory.ca_file) if ca else "")
    for name, value in more.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def directory_sign_in(client, username: str, password: str):
    page = client.get("/login")
    return client.post("/login/directory", data={"csrf": csrf(page.text), "username": username,
                                                  "password": password, "next": "/"})


def attempts(stack: Stack) -> list[tuple[str, bool, str, str]]:
    with reading(stack.engine) as s:
        return [(a.method, a.ok, a.why, a.identity) for a in s.exec(select(SignInAttempt).order_by(
            col(SignInAttempt.id)))]


def test_a_person_signs_in_with_their_directory_password_in_a_browser(stack: Stack, directory, monkeypatch):
    port = free_port()
    monkeypatch.setenv("RECTIFLOW_PORTAL_URL", f"http://127.0.0.1:{port}")
    use(monkeypatch, directory)
    with served_portal(port) as base, browser() as chromium:
        checker = new_page(chromium, "desktop")  # the directory's form and the mail's, for everyone
        checker.goto(f"{base}/login")
        assert axe(checker) == []
        page = chromium.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "zhoujing")
        page.fill("#password", "Zj-2026-pass")
        shot(page, "sign-in-1-directory")
        page.click("form[action='/login/directory'] button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert "周静" in page.inner_text("header")

        other = chromium.new_page()  # known to the directory, not to the organisation
        other.goto(f"{base}/login")
        other.fill("#username", "stranger")
        other.fill("#password", "St-2026-pass")
        other.click("form[action='/login/directory'] button[type=submit]")
        other.wait_for_selector("main h1")
        text = other.inner_text("main")
        assert "组织名册中没有" in text and "stranger@elsewhere.example" in text
        shot(other, "sign-in-2-unknown-identity")
        assert all(c["name"] != SESSION_COOKIE for c in other.context.cookies())
    assert attempts(stack) == [("ldap", True, "", ""), ("ldap", False, "unknown", "stranger@elsewhere.example")]


def test_starttls_verified_and_an_unverified_server_refused(stack: Stack, directory, monkeypatch):
    use(monkeypatch, directory, url=directory.starttls_url)
    client = portal()
    assert directory_sign_in(client, "gaopeng", "Gp-2026-pass").status_code == 303
    assert client.get("/").status_code == 200

    use(monkeypatch, directory, ca=False)  # the system's trust store does not know the test CA
    client = portal()
    refused = directory_sign_in(client, "gaopeng", "Gp-2026-pass")
    assert "LDAP 暂时无法访问" in message(refused.text) and SESSION_COOKIE not in client.cookies


def test_wrong_passwords_lock_the_address_out(stack: Stack, directory, monkeypatch):
    use(monkeypatch, directory)
    client = portal()
    for _ in range(5):
        assert "用户名或密码不正确" in message(directory_sign_in(client, "zhoujing", "guess").text)
    locked = directory_sign_in(client, "zhoujing", "Zj-2026-pass")  # the right one, too late
    assert "登录失败次数过多" in message(locked.text) and SESSION_COOKIE not in client.cookies
    assert [a[:3] for a in attempts(stack)] == [("ldap", False, "bad_password")] * 5


def test_people_matched_by_their_employee_number(stack: Stack, directory, monkeypatch, tmp_path: Path):
    org = tmp_path / "numbers.yaml"
    org.write_text("units: []\npeople:\n  - {email: zhou.jing@example.org, name: 周静, staff_no: D1001,\n"
                   "     roles: [{unit: ducha, role: inspector}]}\n", encoding="utf-8")
    stack.cli("org", "load", str(org))
    use(monkeypatch, directory, RECTIFLOW_IDENTITY_MATCH="staff_no", RECTIFLOW_LDAP_ATTRIBUTE="employeeNumber")
    client = portal()
    assert directory_sign_in(client, "zhoujing", "Zj-2026-pass").status_code == 303
    assert "周静" in client.get("/").text
    refused = directory_sign_in(portal(), "gaopeng", "Gp-2026-pass")  # X2002: nobody's number here
    assert "X2002" in message(refused.text)


def test_wrong_passwords_leave_no_connection_open(directory):
    """A brute-force run against the directory must not leak a socket per attempt."""
    import os

    from store.ldap_bind import Directory, WrongPassword, bind_as

    where = Directory(directory.starttls_url, USER_DN, "mail", str(directory.ca_file))

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    with pytest.raises(WrongPassword):
        bind_as(where, "zhoujing", "warm-up")
    before = open_files()
    for _ in range(30):
        with pytest.raises(WrongPassword):
            bind_as(where, "zhoujing", "guess")
    assert open_files() <= before + 2

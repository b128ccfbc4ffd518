"""Signing in through a real OIDC provider (Canaille, served in this process by pytest-iam):
the browser goes through the provider's own login page and comes back signed in (code flow
with PKCE, the ID token verified); an identity the organisation does not know is refused with
a clear page; logout ends the session at the provider too; with the provider stopped, the
break-glass link printed on the console still lets an administrator in."""

import datetime
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import col, select

from app.web.security import SESSION_COOKIE
from models.access.attempts import SignInAttempt
from store.db import reading
from store.settings import get_settings
from tests.app.browser import browser, served_portal, shot
from tests.app.web import ADMIN, admin_key, message, portal, second_step, use_sign_in_link
from tests.mail import free_port
from tests.stack import Stack

CLIENT_ID, CLIENT_SECRET = "rectiflow-portal", "client-secret-of-the-portal-0123456789"


@pytest.fixture
def provider(iam_configuration, iam_server_port) -> Iterator[object]:
    """A Canaille server of this test's own (stopped at its end, or by the test)."""
    from canaille import create_app
    from canaille.backends import Backend
    from pytest_iam import Server

    app = create_app(config=iam_configuration, env_file=".pytest-iam.env", env_prefix="PYTEST_IAM_")
    server = Server(app, iam_server_port, Backend.instance)
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    server.thread = thread  # type: ignore[attr-defined]
    try:
        with app.app_context():
            yield server
    finally:
        stop(server)


def stop(server) -> None:
    if server.thread.is_alive():
        server.httpd.shutdown()
        server.thread.join(timeout=10)
        server.httpd.server_close()


def register(provider, base: str) -> None:
    """The portal, registered with the provider as the bureau's IT office would do it, and
    two people: one the organisation knows, one it does not."""
    client = provider.models.Client(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client_name="整改督办系统",
        client_id_issued_at=datetime.datetime.now(datetime.UTC), redirect_uris=[f"{base}/oidc/callback"],
        post_logout_redirect_uris=[f"{base}/login"], grant_types=["authorization_code"], response_types=["code"],
        token_endpoint_auth_method="client_secret_basic", scope=["openid", "email", "profile"])
    provider.backend.save(client)
    provider.backend.update(client, audience=[client])  # its ID tokens are for it (aud = its id)
    provider.backend.save(client)
    for name, email in (("zhoujing", "zhou.jing@example.org"), ("outsider", "outsider@elsewhere.example")):
        user = provider.random_user(user_name=name, emails=[email])
        provider.backend.set_user_password(user, f"{name}-Passw0rd!")
        provider.consent(user, client)


def use(monkeypatch, provider, port: int) -> str:
    """The portal configured as the IT office would: the client secret given sealed
    (`rectiflow secrets seal`), so rectiflow.env holds nothing another machine could use."""
    from services.secrets import seal_setting

    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("RECTIFLOW_PORTAL_URL", base)
    monkeypatch.setenv("RECTIFLOW_OIDC_DISCOVERY_URL", f"{provider.url}.well-known/openid-configuration")
    monkeypatch.setenv("RECTIFLOW_OIDC_CLIENT_ID", CLIENT_ID)
    get_settings.cache_clear()
    sealed = seal_setting(CLIENT_SECRET)
    assert CLIENT_SECRET not in sealed and sealed.startswith("sealed:1:")
    monkeypatch.setenv("RECTIFLOW_OIDC_CLIENT_SECRET", sealed)
    get_settings.cache_clear()
    return base


def through_the_provider(page, base: str, user: str) -> None:
    """What the person does: the portal's button, then the provider's own login pages."""
    page.goto(f"{base}/login")
    page.click("#oidc")
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", user)
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=password]")
    page.fill("input[name=password]", f"{user}-Passw0rd!")
    page.click("button[type=submit]")


def test_signing_in_and_out_through_the_bureaus_oidc_platform(stack: Stack, provider, monkeypatch):
    port = free_port()
    base = use(monkeypatch, provider, port)
    register(provider, base)
    with served_portal(port) as base, browser() as chromium:
        page = chromium.new_page()
        through_the_provider(page, base, "zhoujing")
        page.wait_for_url(f"{base}/")
        assert "周静" in page.inner_text("header")
        shot(page, "sign-in-3-oidc-home")

        page.click("form[action='/logout'] button")  # out of the portal, and of the provider
        page.wait_for_url(f"{base}/login")
        assert all(c["name"] != SESSION_COOKIE for c in page.context.cookies(base))
        page.goto(f"{base}/oidc/start")  # the provider asks again: its session ended too
        page.wait_for_selector("input[name=login]")

        other = chromium.new_context().new_page()
        through_the_provider(other, base, "outsider")
        other.wait_for_selector("main h1")
        text = other.inner_text("main")
        assert "组织名册中没有" in text and "outsider@elsewhere.example" in text
        shot(other, "sign-in-4-oidc-unknown")
    with reading(stack.engine) as s:
        found = [(a.method, a.ok, a.why) for a in s.exec(select(SignInAttempt).order_by(col(SignInAttempt.id)))]
    assert found == [("oidc", True, ""), ("oidc", False, "unknown")]


def test_a_forged_callback_signs_nobody_in(stack: Stack, provider, monkeypatch):
    base = use(monkeypatch, provider, free_port())
    register(provider, base)
    client = portal()
    start = client.get("/oidc/start")
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]  # PKCE
    forged = client.get("/oidc/callback", params={"code": "made-up", "state": "not-this-browsers"})
    assert forged.status_code == 400 and SESSION_COOKIE not in client.cookies


def test_break_glass_works_with_the_provider_stopped(stack: Stack, provider, monkeypatch):
    base = use(monkeypatch, provider, free_port())
    register(provider, base)
    key = admin_key(stack)
    stop(provider)

    from app.web import oidc

    oidc._client.cache_clear()  # a portal (re)started while the platform is down: it says so
    client = portal()
    down = client.get("/oidc/start")
    assert down.status_code == 503 and "统一身份认证 暂时无法访问" in message(down.text)
    printed = stack.cli("admin", "sign-in", ADMIN)
    link = printed[printed.index("/login/"):].split()[0]
    assert second_step(client, use_sign_in_link(client, link), key).status_code == 303
    assert client.get("/").status_code == 200

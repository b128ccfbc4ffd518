"""The portal process speaks TLS itself (between the balancer and the portal machines), and
takes its secret as a systemd credential: the recipe of deploy/SECURITY.md, run."""

from pathlib import Path

import httpx
import pytest

from tests.app.browser import answer, portal_alone
from tests.mail import free_port
from tests.security.certificates import certificates
from tests.waiting import wait_until


def test_the_portal_serves_tls_and_reads_its_secret_as_a_credential(tmp_path: Path):
    ca = certificates(tmp_path)
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "rectiflow_secret_key").write_text("c" * 40)
    port = free_port()
    with portal_alone(tmp_path, port, CREDENTIALS_DIRECTORY=str(credentials),
                      RECTIFLOW_PORTAL_TLS_CERT=str(tmp_path / "server.pem"),
                      RECTIFLOW_PORTAL_TLS_KEY=str(tmp_path / "server.key")):
        page = wait_until(lambda: answer(f"https://127.0.0.1:{port}/login", verify=str(ca)), timeout=60,
                          what="the portal over TLS")
        assert page.status_code == 200 and "发送登录链接" in page.text
        with pytest.raises(httpx.HTTPError):  # plain HTTP gets no page (no password crosses in clear)
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
        assert not (tmp_path / "rf" / "secret.key").exists()  # the credential was the secret

"""Secrets as systemd credentials (LoadCredential=): a file per setting in the folder systemd
names, readable by the service alone; a variable that is set still wins."""

import pytest

from store.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_settings_read_systemd_credentials(tmp_path, monkeypatch):
    (tmp_path / "rectiflow_secret_key").write_text("s" * 40)
    (tmp_path / "RECTIFLOW_SMTP_PASSWORD").write_text("from-the-credential\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.delenv("RECTIFLOW_SECRET_KEY", raising=False)
    monkeypatch.delenv("RECTIFLOW_SMTP_PASSWORD", raising=False)
    settings = get_settings()
    assert (settings.secret_key, settings.smtp_password) == ("s" * 40, "from-the-credential")

    monkeypatch.setenv("RECTIFLOW_SMTP_PASSWORD", "from-the-environment")
    get_settings.cache_clear()
    assert get_settings().smtp_password == "from-the-environment"


def test_a_short_secret_in_a_credential_is_refused_naming_it(tmp_path, monkeypatch):
    from store.settings import SettingsError

    (tmp_path / "rectiflow_secret_key").write_text("short")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.delenv("RECTIFLOW_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError) as refused:
        get_settings()
    assert "RECTIFLOW_SECRET_KEY" in " ".join(refused.value.problems)

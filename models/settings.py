"""One settings object, read from RECTIFLOW_* environment variables."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSecurity(StrEnum):
    none = "none"
    starttls = "starttls"
    ssl = "ssl"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECTIFLOW_", extra="ignore")

    data_dir: Path = Path(".rectiflow")
    # Empty means SQLite at <data_dir>/ledger.db.
    database_url: str = ""
    timezone: str = "Asia/Shanghai"
    language: str = Field(default="zh", pattern="^(zh|en)$")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: SmtpSecurity = SmtpSecurity.none
    # CA bundle for a relay with a private certificate; empty = the system's trust store.
    smtp_ca_file: str = ""
    smtp_timeout: float = 10.0
    mail_from: str = "rectiflow@example.org"
    mail_from_name: str = "整改督办系统"
    # Outbox retry: attempt n waits base * 2**(n-1) seconds, capped; then the row fails.
    mail_retry_base_seconds: int = 60
    mail_retry_cap_seconds: int = 3600
    mail_max_attempts: int = 12

    portal_url: str = "http://127.0.0.1:8000"
    # The portal: where `rectiflow up` serves it, and the secret that signs its links and
    # sessions (empty: a random one kept in <data_dir>/secret.key; set it when several
    # portal processes run). Links in mail expire after `link_days`; sign-in links after
    # `signin_minutes`; a session after `session_hours`.
    portal_host: str = "127.0.0.1"
    portal_port: int = 8000
    secret_key: str = ""
    link_days: int = 14
    signin_minutes: int = 15
    session_hours: int = 12
    # The mail folder page (the embedded SMTP sink's mail): `rectiflow up` turns it on.
    portal_mail_folder: bool = False
    prefect_api_url: str = "http://127.0.0.1:4200/api"

    # Working days allowed by each deadline class.
    days_immediate: int = 5
    days_limited: int = 20
    days_long: int = 60

    # The monthly round: inspectors per branch, and the day of the month it closes.
    round_team_size: int = 2
    round_close_day: int = 20
    # A finding for the same unit and manifestation within this many months is a recurrence.
    recurrence_months: int = 6
    max_evidence_bytes: int = 20 * 1024 * 1024  # per file
    max_submission_bytes: int = 50 * 1024 * 1024  # all files of one submission
    negative_list_file: Path | None = None
    # Reminders and the escalation ladder; empty = the shipped models/data/escalation.yaml.
    escalation_file: Path | None = None
    # The compliance rule and campaign targets; empty = models/data/compliance.yaml.
    compliance_file: Path | None = None
    # The monthly notice (通报): issuing body (empty = the bureau's Party committee in the
    # organisation), the prefix of its number (机关党委督〔2026〕11号), and whether the
    # scheduled run publishes it (default: it builds the draft; a supervisor publishes).
    notice_issuer: str = ""
    notice_code: str = "机关党委督"
    notice_auto_publish: bool = False

    @property
    def ledger_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.db'}"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def notice_dir(self) -> Path:
        return self.data_dir / "notices"


@lru_cache
def get_settings() -> Settings:
    return Settings()

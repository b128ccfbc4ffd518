"""One settings object, read from RECTIFLOW_* environment variables."""

import os
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSecurity(StrEnum):
    none = "none"
    starttls = "starttls"
    ssl = "ssl"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECTIFLOW_", extra="ignore")

    data_dir: Path = Path(".rectiflow")
    # Evidence and published notices (empty: the data folder). Beyond one machine this is the
    # folder every worker and portal shares (NFS/SMB mount): `rectiflow check` refuses a process
    # whose folder is not the ledger's (the marker `db upgrade` leaves there is missing or differs).
    files_dir: Path | None = None
    # Empty means SQLite at <data_dir>/ledger.db.
    database_url: str = ""
    timezone: str = "Asia/Shanghai"
    language: str = Field(default="zh", pattern="^(zh|en)$")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: SmtpSecurity = SmtpSecurity.none
    # CA bundle for a relay with a private certificate; empty = the system's trust store.
    smtp_ca_file: str = ""
    smtp_timeout: float = Field(default=10.0, gt=0, le=300)
    mail_from: str = "rectiflow@example.org"
    mail_from_name: str = "整改督办系统"
    # Outbox retry: attempt n waits base * 2**(n-1) seconds, capped; then the row fails.
    mail_retry_base_seconds: int = Field(default=60, ge=1, le=86400)
    mail_retry_cap_seconds: int = Field(default=3600, ge=1, le=7 * 86400)
    # Attempts before a mail the relay *refuses* (5xx, a bad address) is marked failed. A relay
    # that cannot be reached only delays mail: it is retried at the cap for as long as it takes.
    mail_max_attempts: int = Field(default=12, ge=1, le=1000)

    # Messengers (models/people/channels.py): the robots' hosts (a 政务微信 private deployment
    # has its own), hosts a generic webhook may point at (comma-separated; empty: none), and
    # how long a post may take.
    # Empty: the platforms' own hosts, or, on the embedded stack (no relay set: mail goes to the
    # local sink), the local stand-in on `messenger_sink_port`, for every process of it alike:
    # a CLI command beside `rectiflow up` must not post demo data to the real platforms.
    wecom_base_url: str = ""
    dingtalk_base_url: str = ""
    messenger_sink_port: int = Field(default=8026, ge=1, le=65535)
    webhook_hosts: str = ""
    # A webhook is posted only to a public address, checked on the address actually connected
    # to (a listed name may resolve, or be rebound, to an internal one); networks listed here
    # (comma-separated CIDRs, e.g. an intranet receiver's 10.20.0.0/16) are allowed besides.
    webhook_networks: str = ""
    messenger_timeout: float = Field(default=10.0, gt=0, le=120)

    portal_url: str = "http://127.0.0.1:8000"
    # The portal: where `rectiflow up` serves it, and the secret that signs its links and
    # sessions (empty: a random one kept in <data_dir>/secret.key; set it when several
    # portal processes run). Links in mail expire after `link_days`; sign-in links after
    # `signin_minutes`; a session after `session_hours`.
    portal_host: str = "127.0.0.1"
    # The nightly backup (the `backup` deployment, 02:30): a folder per night under `backup_dir`
    # (empty: <data_dir>/backups; beyond one machine, storage on another machine), the newest
    # `backup_keep` kept. The secret is never in them (keep it apart).
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1, le=366)
    # `/metrics` for the bureau's monitoring: off unless set; the scraper sends it as a bearer token.
    metrics_token: str = Field(default="", max_length=200)
    # TLS on the portal process itself (between the balancer and the portal machines, not only
    # at the balancer): a PEM certificate chain and its key; both or neither.
    portal_tls_cert: str = ""
    portal_tls_key: str = ""
    portal_port: int = Field(default=8000, ge=1, le=65535)
    secret_key: str = ""
    # During a key rotation only: the secret being replaced. Links and sessions it signed keep
    # working and what it sealed still opens until `rectiflow secrets rotate` has re-sealed
    # everything under the new one; then remove it (deploy/SECURITY.md).
    previous_secret_key: str = ""
    link_days: int = Field(default=14, ge=1, le=90)
    signin_minutes: int = Field(default=15, ge=1, le=1440)
    session_hours: int = Field(default=12, ge=1, le=720)
    # 等保 2.0: a session unused this long ends; this many failed sign-ins for one person or from
    # one address within `lockout_minutes` lock both out for that long; admins signing in by a
    # mailed link or a break-glass code give a second factor (TOTP) too.
    idle_minutes: int = Field(default=30, ge=1, le=1440)
    lockout_failures: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1, le=1440)
    admin_second_factor: bool = True
    # Signing in through the bureau's identity system (deploy/SECURITY.md): the person it names
    # is matched by `identity_match` (email, or staff_no: the 工号 of the organisation file);
    # nobody unknown to the organisation gets in. The mailed link stays unless turned off.
    mail_sign_in: bool = True
    # The sign-in record, ended sessions and used links are kept at least this long (等保 2.0:
    # audit records six months or more); `rectiflow audit prune` removes only what is older.
    # The audit chain itself is never pruned.
    audit_retention_days: int = Field(default=180, ge=180, le=3650)
    identity_match: str = Field(default="email", pattern="^(email|staff_no)$")
    # OIDC (统一身份认证): the provider's discovery address, this client's id and secret (the
    # secret may be given sealed: `rectiflow secrets seal`), the claim that names the person.
    oidc_discovery_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_claim: str = Field(default="email", pattern="^[A-Za-z0-9_:.-]{1,60}$")
    oidc_scopes: str = "openid email profile"
    oidc_name: str = "统一身份认证"  # the button's words: the platform as staff know it
    # LDAP / Active Directory: bind as the person (TLS verified: ldaps://, or ldap:// with
    # StartTLS), `ldap_user_dn` naming them from what they type ({username}), and the
    # attribute of their entry that names them to the organisation (mail, employeeNumber).
    ldap_url: str = ""
    ldap_user_dn: str = ""
    ldap_attribute: str = Field(default="mail", pattern="^[A-Za-z][A-Za-z0-9-]{0,60}$")
    ldap_ca_file: str = ""
    ldap_timeout: float = Field(default=5.0, gt=0, le=60)
    # The mail folder page (the embedded SMTP sink's mail): `rectiflow up` turns it on.
    portal_mail_folder: bool = False
    prefect_api_url: str = "http://127.0.0.1:4200/api"
    # A case run Pending or Running this long has no process behind it (its worker died):
    # reconcile marks it Crashed and starts a new one. A pass takes seconds.
    stuck_seconds: int = Field(default=900, ge=10, le=86400)

    # Working days allowed by each deadline class.
    days_immediate: int = Field(default=5, ge=1, le=250)
    days_limited: int = Field(default=20, ge=1, le=250)
    days_long: int = Field(default=60, ge=1, le=250)
    # Dates people enter (a return's new due date, an extension) lie within this many days of
    # today; the sweep's --now and calendar overrides within this many days either side.
    due_window_days: int = Field(default=731, ge=30, le=3660)

    # The monthly round: inspectors per branch, and the day of the month it closes.
    round_team_size: int = Field(default=2, ge=1, le=10)
    round_close_day: int = Field(default=20, ge=1, le=28)
    # A finding for the same unit and manifestation within this many months is a recurrence.
    recurrence_months: int = Field(default=6, ge=0, le=60)
    max_evidence_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=1024**3)  # per file
    max_submission_bytes: int = Field(default=50 * 1024 * 1024, ge=1, le=4 * 1024**3)  # one submission
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

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not a time zone: {value!r} (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("secret_key", "previous_secret_key")
    @classmethod
    def _secret(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (or unset: a random key is kept in the data folder)")
        return value

    @property
    def allowed_webhook_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.webhook_hosts.split(",") if h.strip())

    @field_validator("webhook_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for net in (n.strip() for n in value.split(",") if n.strip()):
            try:
                ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"not a network: {net!r} (e.g. 10.20.0.0/16)") from None
        return value

    @property
    def allowed_webhook_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(n.strip(), strict=False) for n in self.webhook_networks.split(",") if n.strip())

    @field_validator("portal_tls_cert", "portal_tls_key", "ldap_ca_file")
    @classmethod
    def _readable(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("portal_tls_key")
    @classmethod
    def _pair(cls, value: str, info: ValidationInfo) -> str:
        if bool(value) != bool(info.data.get("portal_tls_cert")):
            raise ValueError("set both RECTIFLOW_PORTAL_TLS_CERT and RECTIFLOW_PORTAL_TLS_KEY, or neither")
        return value

    @field_validator("ldap_url")
    @classmethod
    def _ldap(cls, value: str) -> str:
        if value and not value.startswith(("ldaps://", "ldap://")):
            raise ValueError("must be ldaps://host[:port] (or ldap://, upgraded by StartTLS)")
        return value

    @field_validator("ldap_user_dn")
    @classmethod
    def _user_dn(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("ldap_url") and "{username}" not in value:
            raise ValueError("must contain {username}, e.g. uid={username},ou=people,dc=bureau,dc=gov")
        return value

    @field_validator("oidc_discovery_url")
    @classmethod
    def _discovery(cls, value: str) -> str:
        if value and (not value.startswith(("https://", "http://")) or len(value) > 300):
            raise ValueError("must be the provider's https://…/.well-known/openid-configuration")
        return value

    @field_validator("portal_url", "wecom_base_url", "dingtalk_base_url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.field_name != "portal_url":
            return value
        if not value.startswith(("http://", "https://")) or len(value) > 200:
            raise ValueError("must be an http:// or https:// address")
        return value

    @property
    def embedded(self) -> bool:
        """The embedded stack: no relay was set, so mail goes to the local SMTP sink (and robot
        posts to the local stand-in), whichever process sends it."""
        return "smtp_host" not in self.model_fields_set

    @property
    def messenger_sink_url(self) -> str:
        return f"http://127.0.0.1:{self.messenger_sink_port}"

    @property
    def wecom_url(self) -> str:
        return self.wecom_base_url or (f"{self.messenger_sink_url}/wecom" if self.embedded
                                       else "https://qyapi.weixin.qq.com")

    @property
    def dingtalk_url(self) -> str:
        return self.dingtalk_base_url or (f"{self.messenger_sink_url}/dingtalk" if self.embedded
                                          else "https://oapi.dingtalk.com")

    @field_validator("mail_from")
    @classmethod
    def _address(cls, value: str) -> str:
        if value.count("@") != 1 or any(ch.isspace() for ch in value):
            raise ValueError("must be one email address")
        return value

    @field_validator("files_dir", "backup_dir", mode="before")
    @classmethod
    def _optional_dir(cls, value: object) -> object:
        return value or None  # set but empty: the data folder

    @field_validator("negative_list_file", "escalation_file", "compliance_file")
    @classmethod
    def _file(cls, value: Path | None) -> Path | None:
        if value is not None and str(value) and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value or None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.db'}"

    @property
    def backups(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def messenger_dir(self) -> Path:
        """Where the embedded stack's messenger stand-in keeps what it accepted."""
        return Path(self.data_dir) / "messages"

    @property
    def shared_dir(self) -> Path:
        return self.files_dir or self.data_dir

    @property
    def evidence_dir(self) -> Path:
        return self.shared_dir / "evidence"

    @property
    def notice_dir(self) -> Path:
        return self.shared_dir / "notices"


class SettingsError(Exception):
    """A setting the process cannot work with: found when it starts, before anything is done."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def problems_of(exc: ValidationError) -> list[str]:
    """Each bad setting by its environment variable's name, with what is wrong."""
    return [f"RECTIFLOW_{str(e['loc'][0]).upper()}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]


PLACEHOLDER = "CHANGE-ME"  # what the shipped deploy/*.env files hold where a secret must go
PREFECT_SECRETS = ("PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_DATABASE_CONNECTION_URL")


def placeholders(environ: Mapping[str, str]) -> list[str]:
    """Settings still holding a shipped placeholder (a copied deploy/rectiflow.env): a secret
    everyone who read the file knows is no secret. Named, so the process refuses to start."""
    return [f"{name}: still the placeholder from deploy/*.env ({PLACEHOLDER}…): set a secret of your own"
            for name, value in sorted(environ.items())
            if PLACEHOLDER in value and (name.startswith("RECTIFLOW_") or name in PREFECT_SECRETS)]


@lru_cache
def get_settings() -> Settings:
    # Under systemd, secrets come as credentials (LoadCredential=rectiflow_secret_key:/etc/…):
    # a file per setting, named like its variable, readable by the service alone, in the folder
    # systemd names; a variable that is set still wins (deploy/SECURITY.md).
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "")
    try:
        return Settings(_secrets_dir=credentials) if credentials and Path(credentials).is_dir() else Settings()
    except ValidationError as exc:
        raise SettingsError(problems_of(exc)) from None

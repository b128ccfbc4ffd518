"""Outbox delivery against a real SMTP server (the embedded aiosmtpd sink)."""

import datetime as dt
import ssl
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from models.outbox import MailStatus, Notification
from notifications.delivery import deliver
from notifications.sink import MailSink, read_mail
from store.db import transaction
from store.settings import Settings
from tests.conftest import at
from tests.mail import free_port, wait_for_mail
from tests.models.helpers import SECRETARY, file_and_assign

NOW = at("2026-11-26 09:00")


@pytest.fixture
def sink(tmp_path):
    with MailSink(tmp_path / "mail", port=free_port()) as s:
        yield s


def settings_for(port: int, **kw) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=3, **kw)


def rows(engine):
    with transaction(engine) as s:
        return s.exec(select(Notification).order_by(Notification.id)).all()


def test_delivered_once_in_chinese_with_ics(sqlite_engine, policy, sink):
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    report = deliver(sqlite_engine, settings=settings_for(sink.port), now=NOW)
    assert len(report.sent) == 1
    [mail] = wait_for_mail(sink, 1)
    assert mail["To"] == SECRETARY and "整改交办" in mail["Subject"]
    assert mail["X-Rectiflow-Key"].endswith(":assigned:" + str(rows(sqlite_engine)[0].recipient_id))
    parts = {p.get_content_type(): p for p in mail.walk()}
    assert "高鹏同志" in parts["text/plain"].get_content()
    assert "text/html" in parts
    assert parts["text/calendar"].get_filename() == "deadline.ics"
    # Delivering again sends nothing: the row is marked sent.
    assert deliver(sqlite_engine, settings=settings_for(sink.port), now=NOW).sent == []
    assert len(read_mail(sink.folder)) == 1
    assert rows(sqlite_engine)[0].status is MailStatus.sent


def test_smtp_down_loses_nothing_and_retries_with_backoff(sqlite_engine, policy, tmp_path):
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    port = free_port()  # nothing listens here yet
    report = deliver(sqlite_engine, settings=settings_for(port), now=NOW)
    assert report.sent == [] and len(report.retry) == 1
    [row] = rows(sqlite_engine)
    assert row.status is MailStatus.pending and row.attempts == 1 and row.error
    assert row.next_attempt_at == NOW + timedelta(seconds=60)
    # Not due yet: nothing is tried before the backoff passes.
    with MailSink(tmp_path / "mail", port=port) as sink:
        assert deliver(sqlite_engine, settings=settings_for(port), now=NOW + timedelta(seconds=30)).retry == []
        report = deliver(sqlite_engine, settings=settings_for(port), now=NOW + timedelta(seconds=61))
        assert len(report.sent) == 1
        assert len(wait_for_mail(sink, 1)) == 1
    [row] = rows(sqlite_engine)
    assert row.status is MailStatus.sent and row.attempts == 2


def test_a_relay_outage_only_delays_mail_however_long_it_lasts(sqlite_engine, policy):
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    settings = settings_for(free_port(), mail_max_attempts=2)  # nothing listens: the relay is down
    for hour in range(8):
        deliver(sqlite_engine, settings=settings, now=NOW + timedelta(hours=hour))
    [row] = rows(sqlite_engine)
    assert row.status is MailStatus.pending and row.attempts == 8
    assert row.next_attempt_at == NOW + timedelta(hours=7, seconds=3600)  # at the cap, still coming


class Refusing:
    """A relay that refuses every recipient for good (550)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 mailbox unavailable"


def test_a_message_the_relay_refuses_ends_failed_after_the_last_attempt(sqlite_engine, policy):
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    port = free_port()
    relay = Controller(Refusing(), hostname="127.0.0.1", port=port)
    relay.start()
    try:
        settings = settings_for(port, mail_max_attempts=2)
        deliver(sqlite_engine, settings=settings, now=NOW)
        [row] = rows(sqlite_engine)
        assert row.status is MailStatus.pending and "550" in row.error
        deliver(sqlite_engine, settings=settings, now=NOW + timedelta(hours=1))
    finally:
        relay.stop()
    [row] = rows(sqlite_engine)
    assert row.status is MailStatus.failed and row.attempts == 2


def test_a_lost_claim_counts_so_a_poisoned_message_ends_failed(sqlite_engine, policy, sink):
    """A deliverer that dies while sending a row cannot keep it cycling for ever: each lost
    claim is an attempt, and the last one ends it as failed, unsent and visible."""
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    with transaction(sqlite_engine) as s:
        row = s.exec(select(Notification)).one()
        row.status, row.claimed_at, row.attempts = MailStatus.sending, NOW, 2  # died twice before, now a third time
    report = deliver(sqlite_engine, settings=settings_for(sink.port, mail_max_attempts=3),
                     now=NOW + timedelta(minutes=11))
    assert report.sent == []
    [row] = rows(sqlite_engine)
    assert row.status is MailStatus.failed and row.attempts == 3 and "claim expired" in row.error
    assert read_mail(sink.folder) == []


def test_stale_claim_is_retried_but_fresh_claim_is_not(sqlite_engine, policy, sink):
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    with transaction(sqlite_engine) as s:
        row = s.exec(select(Notification)).one()
        row.status, row.claimed_at = MailStatus.sending, NOW  # a deliverer died mid-send
    later, lease_over = NOW + timedelta(minutes=1), NOW + timedelta(minutes=11)
    assert deliver(sqlite_engine, settings=settings_for(sink.port), now=later, wall=later).sent == []
    assert len(deliver(sqlite_engine, settings=settings_for(sink.port), now=lease_over, wall=lease_over).sent) == 1


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_starttls_certificate_is_verified(sqlite_engine, policy, tmp_path):
    cert, key = _self_signed(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    sink = MailSink(tmp_path / "mail", port=free_port())
    port = sink.port
    sink._controller = Controller(sink.keeper, hostname="127.0.0.1", port=port, tls_context=ctx,
                                  require_starttls=True)
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    with sink:
        base = {"smtp_security": "starttls", "smtp_host": "localhost"}
        # An untrusted certificate is refused: the mail stays in the outbox.
        untrusted = Settings(smtp_port=port, smtp_timeout=3, **base)
        report = deliver(sqlite_engine, settings=untrusted, now=NOW)
        assert report.sent == [] and "CERTIFICATE_VERIFY_FAILED" in rows(sqlite_engine)[0].error
        trusted = Settings(smtp_port=port, smtp_timeout=3, smtp_ca_file=str(cert), **base)
        report = deliver(sqlite_engine, settings=trusted, now=NOW + timedelta(hours=1))
        assert len(report.sent) == 1
        assert len(wait_for_mail(sink, 1)) == 1


def test_a_row_that_cannot_be_rendered_ends_failed_not_cycling(sqlite_engine, policy, sink):
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    with transaction(sqlite_engine) as s:
        row = s.exec(select(Notification)).one()
        row.context = {}  # its template needs fields it no longer has (a hand edit, an old row)
        s.add(row)
    settings = settings_for(sink.port, mail_max_attempts=2)
    deliver(sqlite_engine, settings=settings, now=NOW)
    assert rows(sqlite_engine)[0].status is MailStatus.pending
    deliver(sqlite_engine, settings=settings, now=NOW + timedelta(hours=1))
    [row] = rows(sqlite_engine)
    assert row.status is MailStatus.failed and row.attempts == 2 and "Undefined" in row.error
    assert read_mail(sink.folder) == []


def test_a_deliverer_killed_while_a_future_sweep_sends_strands_nothing(sqlite_engine, policy, sink, monkeypatch):
    # B21: `sweep --now <three weeks ahead>` is killed while it sends. Its claims expire by the
    # real clock, not the sweep's: they are listed, a later deliverer sends them, retry takes them.
    from models.outbox import troubled_mail
    from notifications import delivery

    for i in range(3):
        file_and_assign(sqlite_engine, now=NOW, policy=policy, manifestation=f"lan-{i + 1}")
    ahead = NOW + timedelta(days=21)
    real_send = delivery._send_one
    calls = []

    def dies_on_the_second(row, **kw):
        calls.append(row.id)
        if len(calls) == 2:
            raise SystemExit("kill -9")  # the process is gone mid-batch: nothing after this line runs
        return real_send(row, **kw)

    monkeypatch.setattr(delivery, "_send_one", dies_on_the_second)
    with pytest.raises(SystemExit):
        deliver(sqlite_engine, settings=settings_for(sink.port), now=ahead, wall=NOW)
    monkeypatch.setattr(delivery, "_send_one", real_send)
    left = [r for r in rows(sqlite_engine) if r.status is MailStatus.sending]
    assert len(left) == 2 and all(r.claimed_at == NOW for r in left)  # stamped by the real clock
    # Still within the lease: perhaps still sending; nobody takes them yet (nothing doubled).
    assert deliver(sqlite_engine, settings=settings_for(sink.port), now=ahead, wall=NOW + timedelta(minutes=5)).sent \
        == []
    with transaction(sqlite_engine) as s:  # past the lease: `rectiflow mail list` shows them …
        listed = troubled_mail(s, failed_only=True, wall=NOW + timedelta(minutes=11))
    assert sorted(r.id for r in listed) == sorted(r.id for r in left)
    # … and the next deliverer (a rerun, reconcile, the next case pass) sends them, once.
    report = deliver(sqlite_engine, settings=settings_for(sink.port), now=ahead, wall=NOW + timedelta(minutes=11))
    assert len(report.sent) == 2
    assert len(wait_for_mail(sink, 3)) == 3
    assert sorted(m["X-Rectiflow-Key"] for m in read_mail(sink.folder)) == sorted(r.dedupe_key for r in
                                                                                 rows(sqlite_engine))


def test_a_claim_taken_at_a_simulated_moment_is_retried_by_id(sqlite_engine, policy, sink):
    # B21, a ledger from before the fix: a row claimed at a sweep's future moment (no real clock
    # reaches it) is stranded: listed, and `rectiflow mail retry ID` sends it.
    from models.outbox import retry_mail, troubled_mail

    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    with transaction(sqlite_engine) as s:
        row = s.exec(select(Notification)).one()
        row.status, row.claimed_at = MailStatus.sending, NOW + timedelta(days=21)
        s.add(row)
    with transaction(sqlite_engine) as s:
        assert [r.id for r in troubled_mail(s, failed_only=False, wall=NOW)] == [row.id]
        assert retry_mail(s, ids=[row.id], all_failed=False, now=NOW) == [row.id]
    assert len(deliver(sqlite_engine, settings=settings_for(sink.port), now=NOW).sent) == 1

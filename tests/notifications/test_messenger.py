"""Messengers through the outbox, against a local stand-in that checks each platform's
documented payload and signature (notifications/messenger_sink.py): the mail and the message
both arrive, once; an outage delays, a refusal fails visibly; nothing is doubled."""

from datetime import timedelta

import pytest
from sqlmodel import select

from messages import RuleError
from models.outbox import MailStatus, Notification, retry_mail, troubled_mail
from models.people.channels import ChannelKind, check_channel, remove_channel, set_channel
from models.people.directory import person_by_email
from notifications.delivery import deliver
from notifications.messenger import escape, markdown
from notifications.messenger_sink import MessengerSink
from notifications.sink import MailSink
from store.db import transaction
from store.settings import Settings
from tests.conftest import at
from tests.mail import free_port, wait_for_mail
from tests.models.helpers import SECRETARY, file_and_assign

NOW = at("2026-11-26 09:00")
TOKEN, SECRET = "dingtalk-token-0001", "SEC0123456789abcdef"


@pytest.fixture
def sinks(tmp_path):
    with MailSink(tmp_path / "mail", port=free_port()) as mail, \
            MessengerSink(tmp_path / "messages", secrets={TOKEN: SECRET, "/hook/gao": "hook-secret"}) as robots:
        yield mail, robots


def settings_for(mail: MailSink, robots: MessengerSink, **kw) -> Settings:
    """The stand-ins listen on loopback: the webhook host and its network are allowed here."""
    kw = {"webhook_hosts": "127.0.0.1", "webhook_networks": "127.0.0.0/8", **kw}
    return Settings(smtp_host="127.0.0.1", smtp_port=mail.port, smtp_timeout=3, portal_url="https://rf.example.org",
                    wecom_base_url=f"{robots.url}/wecom", dingtalk_base_url=f"{robots.url}/dingtalk",
                    messenger_timeout=3, **kw)


def give(engine, email: str, kind: ChannelKind, target: str, secret: str = "", everything: bool = True) -> None:
    with transaction(engine) as s:
        set_channel(s, person_id=person_by_email(s, email).id, kind=kind, target=target, secret=secret,
                    everything=everything, now=NOW)


def rows(engine):
    with transaction(engine) as s:
        return s.exec(select(Notification).order_by(Notification.id)).all()


def test_the_assignment_reaches_mail_and_every_robot_once(sqlite_engine, policy, sinks):
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.wecom, "wecom-key-0001")
    give(sqlite_engine, SECRETARY, ChannelKind.dingtalk, TOKEN, SECRET)
    give(sqlite_engine, SECRETARY, ChannelKind.webhook, f"{robots.url}/hook/gao", "hook-secret")
    code = file_and_assign(sqlite_engine, now=NOW, policy=policy)
    assert sorted(r.dedupe_key.rpartition("@")[2] for r in rows(sqlite_engine) if r.channel_id) == [
        "dingtalk", "webhook", "wecom"]
    settings = settings_for(mail, robots)
    report = deliver(sqlite_engine, settings=settings, now=NOW)
    assert len(report.sent) == 4 and report.failed == report.retry == []
    assert len(wait_for_mail(mail, 1)) == 1
    got = {m["kind"]: m for m in robots.wait_for(3)}
    assert got["wecom"]["key"] == "wecom-key-0001" and got["dingtalk"]["token"] == TOKEN  # signature checked
    for message in got.values():
        assert code in message["text"] and "https://rf.example.org/l/" in message["text"]  # the owner's signed link
        assert "整改交办" in message["text"]
    assert got["webhook"]["event"] == "assigned" and got["webhook"]["header_key"].endswith("@webhook")
    assert deliver(sqlite_engine, settings=settings, now=NOW + timedelta(minutes=5)).sent == []  # nothing twice
    assert len(robots.wait_for(3)) == 3


def test_only_digests_unless_the_person_chose_everything(sqlite_engine, policy, sinks):
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.wecom, "wecom-key-0001", everything=False)
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    assert [r.channel_id for r in rows(sqlite_engine)] == [None]  # the assignment: mail only


def test_an_outage_delays_a_refusal_fails_visibly_and_mail_goes_regardless(sqlite_engine, policy, sinks):
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.wecom, "wecom-key-0001")
    give(sqlite_engine, SECRETARY, ChannelKind.dingtalk, TOKEN, "not-the-secret")  # DingTalk will refuse the sign
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    settings = settings_for(mail, robots, mail_max_attempts=2)
    robots.fail_with = 502
    report = deliver(sqlite_engine, settings=settings, now=NOW)
    assert len(report.sent) == 1 and len(report.retry) == 2  # the mail went; both robots wait
    wecom = next(r for r in rows(sqlite_engine) if r.dedupe_key.endswith("@wecom"))
    assert wecom.status is MailStatus.pending and "HTTP 502" in wecom.error
    assert wecom.next_attempt_at == NOW + timedelta(seconds=60)
    robots.fail_with = None
    later = NOW + timedelta(seconds=61)
    report = deliver(sqlite_engine, settings=settings, now=later)
    assert [k.rpartition("@")[2] for k in report.sent] == ["wecom"] and len(report.failed) == 1
    assert [m["kind"] for m in robots.wait_for(1)] == ["wecom"]
    with transaction(sqlite_engine) as s:
        [failed] = troubled_mail(s, failed_only=True, wall=later)
    assert failed.dedupe_key.endswith("@dingtalk") and "310000" in failed.error and "sign" in failed.error
    assert len(wait_for_mail(mail, 1)) == 1


def test_a_removed_channel_gets_nothing_more(sqlite_engine, policy, sinks):
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.wecom, "wecom-key-0001")
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    with transaction(sqlite_engine) as s:
        assert remove_channel(s, person_id=person_by_email(s, SECRETARY).id, kind=ChannelKind.wecom, now=NOW)
    deliver(sqlite_engine, settings=settings_for(mail, robots), now=NOW)
    wecom = next(r for r in rows(sqlite_engine) if r.channel_id)
    assert wecom.status is MailStatus.cancelled and robots.wait_for(0) == []
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    assert sum(1 for r in rows(sqlite_engine) if r.channel_id) == 1  # the new item: mail only


def test_titles_stay_text_and_long_digests_are_cut_with_a_pointer_to_the_mail():
    assert escape("[点我](http://evil.example)") == r"\[点我\]\(http://evil.example\)"
    assert escape("ZG-2026-11-0005 <b>加粗</b>") == r"ZG-2026-11-0005 \<b\>加粗\</b\>"
    items = [{"code": f"ZG-2026-11-{i:04d}", "title": "t", "why": "overdue", "colour": "red"} for i in range(20)]
    text = markdown(template="digest", language="zh", subject="【整改督办】", context={"items": items},
                    item_url=lambda code: f"https://x/l/{code}")
    assert text.count("](https://x/l/") == 15 and "另有 5 项，见邮件" in text and "🔴红色 已逾期：" in text


@pytest.mark.parametrize(("kind", "target", "secret", "field"), [
    ("telegram", "x" * 10, "", "c.kind"),
    ("wecom", "short", "", "c.target"),
    ("wecom", "key with spaces!", "", "c.target"),
    ("dingtalk", "token-0123456", "", "c.secret"),
    ("webhook", "ftp://hooks.example.org/x", "", "c.target"),
    ("webhook", "http://169.254.169.254/latest/meta-data", "", "c.target"),  # not an allowed host
    ("webhook", "https://hooks.example.org/x", "秘密", "c.secret"),
    ("webhook", "http://hooks.example.org:abc/hook", "", "c.target"),  # B2: a port that is no number
    ("webhook", "http://hooks.example.org:99999/hook", "", "c.target"),
    ("webhook", "http://[::1", "", "c.target"),  # B8: brackets that do not close
    ("webhook", "http://[localhost]/", "", "c.target"),
    ("webhook", "http://hooks.example.org/a b", "", "c.target"),
])
def test_a_bad_channel_is_refused_naming_the_field(kind, target, secret, field):
    with pytest.raises(RuleError) as refused:
        check_channel(kind, target, secret, allowed_hosts=("hooks.example.org",), field="c")
    assert refused.value.field == field


def test_a_good_channel_passes():
    assert check_channel("webhook", "https://hooks.example.org/x", "", allowed_hosts=("hooks.example.org",)) == (
        ChannelKind.webhook, "https://hooks.example.org/x", "")


def test_a_webhook_that_redirects_is_refused_not_followed(sqlite_engine, policy, tmp_path):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        give(sqlite_engine, SECRETARY, ChannelKind.webhook, f"http://127.0.0.1:{server.server_address[1]}/hook")
        file_and_assign(sqlite_engine, now=NOW, policy=policy)
        with MailSink(tmp_path / "mail", port=free_port()) as mail, MessengerSink(tmp_path / "m") as robots:
            report = deliver(sqlite_engine, settings=settings_for(mail, robots, mail_max_attempts=1), now=NOW)
        assert len(report.sent) == 1 and len(report.failed) == 1  # the mail went; the redirect failed for good
        [hook] = [r for r in rows(sqlite_engine) if r.channel_id]
        assert hook.status is MailStatus.failed and "HTTP 302" in hook.error
    finally:
        server.shutdown()
        server.server_close()


def hook_rows(engine) -> list[Notification]:
    return [r for r in rows(engine) if r.channel_id]


def test_a_broken_saved_address_fails_its_own_row_at_once_and_the_batch_goes_on(sqlite_engine, policy, sinks):
    # B2: an address saved before it was checked whole (or edited in the ledger) cannot be posted
    # to: that row fails for good at once; the mail and the other robot in the batch go.
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.webhook, "http://localhost:abc/hook")
    give(sqlite_engine, SECRETARY, ChannelKind.wecom, "wecom-key-0001")
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    report = deliver(sqlite_engine, settings=settings_for(mail, robots, webhook_hosts="localhost",
                                                          mail_max_attempts=1), now=NOW)
    assert len(report.sent) == 2 and len(report.failed) == 1 and report.retry == []
    [hook] = [r for r in hook_rows(sqlite_engine) if r.dedupe_key.endswith("@webhook")]
    assert hook.status is MailStatus.failed and "localhost" in hook.error
    assert [m["kind"] for m in robots.wait_for(1)] == ["wecom"]


def test_a_listed_name_that_resolves_to_an_internal_address_gets_nothing(sqlite_engine, policy, sinks):
    # B10: "localhost" is on the list, but it is the loopback address the post would reach: refused
    # on the address connected to, unless that network is allowed too.
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.webhook, f"http://localhost:{robots.port}/hook/gao", "hook-secret")
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    settings = settings_for(mail, robots, webhook_hosts="localhost", webhook_networks="", mail_max_attempts=1)
    report = deliver(sqlite_engine, settings=settings, now=NOW)
    assert len(report.sent) == 1 and len(report.failed) == 1
    [hook] = hook_rows(sqlite_engine)
    assert hook.status is MailStatus.failed and "not a public address" in hook.error and "127.0.0.1" in hook.error
    assert robots.wait_for(0) == []
    with transaction(sqlite_engine) as s:  # allowed once its network is listed
        retry_mail(s, ids=[hook.id], all_failed=False, now=NOW)
    report = deliver(sqlite_engine, settings=settings_for(mail, robots, webhook_hosts="localhost"), now=NOW)
    assert len(report.sent) == 1 and [m["kind"] for m in robots.wait_for(1)] == ["webhook"]


def test_a_host_removed_from_the_list_gets_nothing_even_on_retry(sqlite_engine, policy, sinks):
    # B11: the allow-list of the moment of posting decides, not the one of the moment of saving.
    mail, robots = sinks
    give(sqlite_engine, SECRETARY, ChannelKind.webhook, f"{robots.url}/hook/gao", "hook-secret")
    file_and_assign(sqlite_engine, now=NOW, policy=policy)
    settings = settings_for(mail, robots, webhook_hosts="hooks.example.org", mail_max_attempts=1)
    deliver(sqlite_engine, settings=settings, now=NOW)
    [hook] = hook_rows(sqlite_engine)
    assert hook.status is MailStatus.failed and "RECTIFLOW_WEBHOOK_HOSTS" in hook.error
    with transaction(sqlite_engine) as s:  # `rectiflow mail retry ID`
        assert retry_mail(s, ids=[hook.id], all_failed=False, now=NOW) == [hook.id]
    deliver(sqlite_engine, settings=settings, now=NOW)
    assert hook_rows(sqlite_engine)[0].status is MailStatus.failed and robots.wait_for(0) == []


def test_every_process_of_the_embedded_stack_posts_to_the_stand_in(sqlite_engine, policy, tmp_path, monkeypatch):
    # B14: a CLI command beside `rectiflow up` (no relay set) posts where `up`'s own process does:
    # the stand-in on RECTIFLOW_MESSENGER_SINK_PORT, never the real platforms.
    for name in ("RECTIFLOW_SMTP_HOST", "RECTIFLOW_WECOM_BASE_URL", "RECTIFLOW_DINGTALK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with MailSink(tmp_path / "mail", port=free_port()) as mail, \
            MessengerSink(tmp_path / "messages", port=free_port()) as robots:
        monkeypatch.setenv("RECTIFLOW_SMTP_PORT", str(mail.port))
        monkeypatch.setenv("RECTIFLOW_MESSENGER_SINK_PORT", str(robots.port))
        embedded = Settings()
        assert embedded.embedded and embedded.wecom_url == f"{robots.url}/wecom"
        give(sqlite_engine, SECRETARY, ChannelKind.wecom, "wecom-key-0001")
        file_and_assign(sqlite_engine, now=NOW, policy=policy)
        report = deliver(sqlite_engine, settings=embedded, now=NOW)
        assert len(report.sent) == 2 and [m["kind"] for m in robots.wait_for(1)] == ["wecom"]
    monkeypatch.setenv("RECTIFLOW_SMTP_HOST", "relay.example.org")  # a real deployment: the real hosts
    real = Settings()
    assert not real.embedded and real.wecom_url == "https://qyapi.weixin.qq.com"
    assert real.dingtalk_url == "https://oapi.dingtalk.com"
    monkeypatch.setenv("RECTIFLOW_WECOM_BASE_URL", "https://zwwx.example.gov.cn")  # a 政务微信 of its own
    assert Settings().wecom_url == "https://zwwx.example.gov.cn"

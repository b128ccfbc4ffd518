"""An `emails` SMTP backend that verifies the relay's TLS certificate.

emails' own clients call starttls() / SMTP_SSL without a context, which in Python means
no certificate check; these subclasses hand in a verifying context.
"""

import socket
import ssl
from smtplib import SMTP_SSL
from typing import Any

from emails.backend.smtp.backend import SMTPBackend
from emails.backend.smtp.client import SMTPClientWithResponse, SMTPClientWithResponse_SSL

from store.settings import Settings, SmtpSecurity


class _VerifiedStartTLS(SMTPClientWithResponse):
    def starttls(self, *args: Any, **kwargs: Any) -> Any:
        return super().starttls(context=self.parent.ssl_context)


class _VerifiedSSL(SMTPClientWithResponse_SSL):
    def __init__(self, **kw: Any) -> None:
        # Set the verifying context without connecting; the base __init__ connects once.
        SMTP_SSL.__init__(self, context=kw["parent"].ssl_context, timeout=kw.get("timeout", 10))
        SMTPClientWithResponse.__init__(self, **kw)


class VerifiedSMTPBackend(SMTPBackend):
    connection_cls = _VerifiedStartTLS
    connection_ssl_cls = _VerifiedSSL

    def __init__(self, *, ssl_context: ssl.SSLContext, **kwargs: Any) -> None:
        self.ssl_context = ssl_context
        super().__init__(**kwargs)


def backend_for(settings: Settings) -> VerifiedSMTPBackend:
    """One connection for one delivery batch (a backend per message leaks sockets)."""
    context = ssl.create_default_context(cafile=settings.smtp_ca_file or None)
    return VerifiedSMTPBackend(
        ssl_context=context,
        host=settings.smtp_host,
        port=settings.smtp_port,
        ssl=settings.smtp_security is SmtpSecurity.ssl,
        tls=settings.smtp_security is SmtpSecurity.starttls,
        user=settings.smtp_user or None,
        password=settings.smtp_password or None,
        timeout=settings.smtp_timeout,
        local_hostname=socket.gethostname(),
        fail_silently=False,
    )

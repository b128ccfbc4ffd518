"""Binding to the bureau's directory (LDAP / Active Directory) as a person: over TLS whose
certificate is verified (ldaps://, or ldap:// upgraded by StartTLS before the password is
sent), and reading one attribute of the person's own entry."""

import ssl
from dataclasses import dataclass

from ldap3 import BASE, DSA, NONE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPInvalidCredentialsResult
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn


class DirectoryDown(Exception):
    """The directory did not answer, or its certificate did not verify."""


class WrongPassword(Exception):
    """The directory refused the name and password."""


@dataclass(frozen=True)
class Directory:
    url: str  # ldaps://host:636, or ldap://host:389 (StartTLS)
    user_dn: str  # e.g. uid={username},ou=people,dc=bureau,dc=gov — or {username}@bureau.local for AD
    attribute: str  # what names the person to the organisation: mail, employeeNumber
    ca_file: str = ""
    timeout: float = 5.0


def bind_as(directory: Directory, username: str, password: str) -> str:
    """The `attribute` of the person's entry, read while bound as them; WrongPassword or
    DirectoryDown otherwise. An empty password is refused here: many servers take it as an
    anonymous bind and would say yes."""
    if not username or not password:
        raise WrongPassword()
    tls = Tls(validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT, ca_certs_file=directory.ca_file or None)
    dn = directory.user_dn.format(username=escape_rdn(username))
    # Active Directory's user@domain form: the entry is found under the domain's naming
    # context, which the server's root entry (DSA info) names.
    server = Server(directory.url, use_ssl=directory.url.startswith("ldaps://"), tls=tls,
                    connect_timeout=directory.timeout, get_info=NONE if "=" in dn else DSA)
    conn = Connection(server, user=dn, password=password, receive_timeout=max(1, int(directory.timeout)),
                      raise_exceptions=True, auto_bind=False)
    try:  # the connection is closed whatever happens: a brute-force run must not leak sockets
        try:
            conn.open()
            if not directory.url.startswith("ldaps://"):
                conn.start_tls()  # before the password crosses the network
            conn.bind()
        except (LDAPBindError, LDAPInvalidCredentialsResult):
            raise WrongPassword() from None
        except (LDAPException, OSError, ssl.SSLError) as exc:
            raise DirectoryDown(str(exc)[:200]) from None
        try:
            if "=" in dn:
                conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=[directory.attribute])
            else:  # AD's user@domain: found under the domain's naming context
                base = conn.server.info.other.get("defaultNamingContext", [""])[0] if conn.server.info else ""
                conn.search(base, f"(userPrincipalName={escape_filter_chars(dn)})", attributes=[directory.attribute])
            values = conn.entries[0][directory.attribute].values if conn.entries else []
            return str(values[0]) if values else ""
        except (LDAPException, OSError) as exc:
            raise DirectoryDown(str(exc)[:200]) from None
    finally:
        if not conn.closed:
            conn.unbind()

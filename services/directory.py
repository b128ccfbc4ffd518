"""Signing in with the bureau's directory password (LDAP / AD): bound as the person, the
attribute their entry gives matched to the organisation file; a wrong password counts
toward the lock-out for the name and the address."""

from messages import RuleError
from models.access.sessions import SignInMethod
from services import context as ctx
from services.identity import enter, match
from services.signin import Where, check_open, failed
from store.db import reading
from store.ldap_bind import Directory, DirectoryDown, WrongPassword, bind_as


def _directory() -> Directory:
    s = ctx.settings()
    return Directory(s.ldap_url, s.ldap_user_dn, s.ldap_attribute, s.ldap_ca_file, s.ldap_timeout)


def sign_in_by_directory(username: str, password: str, *, where: Where) -> str:
    """A session for the person the directory knows by this name and password. Returns the
    session cookie's value."""
    person_id = _known(username, where)
    try:
        identity = bind_as(_directory(), username, password)
    except WrongPassword:
        failed(SignInMethod.ldap, "bad_password", where=where, identity=username, person_id=person_id)
        raise RuleError("bad_password", field="password") from None
    except DirectoryDown:
        raise RuleError("identity_down", value="LDAP") from None
    return enter(SignInMethod.ldap, identity, where=where)


def _known(username: str, where: Where) -> int | None:
    """The person a typed name belongs to, if the organisation knows it by that name; refused
    while they or the address are locked out, so no password is even tried then."""
    with reading(ctx.database()) as session:
        person = match(session, username)
        check_open(session, where=where, person_id=person.id if person is not None else None)
        return person.id if person is not None else None

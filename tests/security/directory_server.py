"""A real OpenLDAP server for the tests (Debian's slapd, started in a folder of the test's own,
on free ports, with a certificate from a throwaway CA), holding a few of the demo
organisation's people and one person the organisation does not know."""

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.mail import free_port
from tests.security.certificates import certificates
from tests.waiting import wait_until

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=bureau,dc=example"
ADMIN_DN, ADMIN_PW = f"cn=admin,{SUFFIX}", "directory-admin-pw"
USER_DN = f"uid={{username}},ou=people,{SUFFIX}"


@dataclass(frozen=True)
class Person:
    uid: str
    mail: str
    password: str
    number: str = ""


PEOPLE = (Person("zhoujing", "zhou.jing@example.org", "Zj-2026-pass", "D1001"),
          Person("gaopeng", "gao.peng@example.org", "Gp-2026-pass", "X2002"),
          Person("stranger", "stranger@elsewhere.example", "St-2026-pass", "Z9999"))


@dataclass
class DirectoryServer:
    ldaps_url: str
    starttls_url: str
    ca_file: Path
    process: subprocess.Popen[bytes]


CONFIG = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
TLSCACertificateFile {dir}/ca.pem
TLSCertificateFile {dir}/server.pem
TLSCertificateKeyFile {dir}/server.key
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {dir}/db
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by self read by * none
"""


def _ldif() -> str:
    entries = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: bureau\no: bureau",
               f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people"]
    for p in PEOPLE:
        entries.append(f"dn: uid={p.uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {p.uid}\n"
                       f"cn: {p.uid}\nsn: {p.uid}\nmail: {p.mail}\nemployeeNumber: {p.number}\n"
                       f"userPassword: {p.password}")
    return "\n\n".join(entries) + "\n"


@contextmanager
def directory_server(folder: Path) -> Iterator[DirectoryServer]:
    assert Path(SLAPD).exists(), "OpenLDAP's slapd is missing: `make test` installs it (Debian package slapd)"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db").mkdir(exist_ok=True)
    ca = certificates(folder)
    conf = folder / "slapd.conf"
    conf.write_text(CONFIG.format(dir=folder, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PW))
    (folder / "people.ldif").write_text(_ldif())
    subprocess.run(["/usr/sbin/slapadd", "-f", str(conf), "-l", str(folder / "people.ldif")], check=True,
                   capture_output=True, timeout=60)
    plain, tls = free_port(), free_port()
    process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{plain}/ ldaps://127.0.0.1:{tls}/",
                                "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: _answers(tls) or process.poll() is not None, timeout=30, what="slapd listening")
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "slapd stopped"
        yield DirectoryServer(f"ldaps://127.0.0.1:{tls}", f"ldap://127.0.0.1:{plain}", ca, process)
    finally:
        stop(process)
        shutil.rmtree(folder / "db", ignore_errors=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False

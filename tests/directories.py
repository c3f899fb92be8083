"""Real directory servers for the single sign-on tests.

``Slapd`` is Debian's OpenLDAP server started on a free 127.0.0.1 port with a configuration
written into a scratch folder (nothing of the system's slapd is used or touched), loaded with
people and groups through ``ldapadd``, and changed during a test through ``ldapmodify``, the
way a directory administrator would.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.live import free_port

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=example,dc=gov,dc=cn"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-root-pw"  # noqa: S105 - a throwaway test server's
SERVICE_DN = f"cn=evalsite,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-account-pw"  # noqa: S105 - a throwaway test server's
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"

_CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {folder}/data
access to attrs=userPassword by anonymous auth by self write by * none
access to * by dn.exact="{service_dn}" read by self read by * none
"""


def person(uid: str, name: str, password: str) -> str:
    return (
        f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {name[:1]}\n"
        f"userPassword: {password}\n"
    )


def group(cn: str, *member_uids: str) -> str:
    """A groupOfNames; the service account is always a member (the class needs one)."""
    members = "".join(f"member: uid={uid},{PEOPLE}\n" for uid in member_uids)
    return f"dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\nmember: {SERVICE_DN}\n{members}"


class Slapd:
    """One OpenLDAP server in ``folder``; ``start()`` it, ``stop()`` it."""

    def __init__(self, folder: Path):
        if shutil.which("ldapadd") is None or not Path(SLAPD).exists():
            raise RuntimeError(
                "the LDAP tests need Debian's slapd and ldap-utils: run `make test` (or make system-packages)"
            )
        self.folder = folder
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, limit: float = 20.0) -> Slapd:
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        config = self.folder / "slapd.conf"
        config.write_text(
            _CONFIG.format(
                folder=self.folder,
                suffix=SUFFIX,
                root_dn=ROOT_DN,
                root_password=ROOT_PASSWORD,
                service_dn=SERVICE_DN,
            )
        )
        # -d 0: stay in the foreground (our child, stopped by us), logging nothing.
        with open(self.folder / "slapd.log", "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                [SLAPD, "-d", "0", "-f", str(config), "-h", f"{self.url}/"], stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + limit
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"slapd did not start:\n{(self.folder / 'slapd.log').read_text()}")
            time.sleep(0.05)
        self.add(
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n"
            f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n"
            f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n"
            f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n\n"
            f"dn: {SERVICE_DN}\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\n"
            f"cn: evalsite\nuserPassword: {SERVICE_PASSWORD}\n"
        )
        return self

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def add(self, ldif: str) -> None:
        self._tool("ldapadd", ldif)

    def modify(self, ldif: str) -> None:
        self._tool("ldapmodify", ldif)

    def _tool(self, name: str, ldif: str) -> None:
        subprocess.run(  # noqa: S603 - fixed argv
            [name, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif.encode(),
            check=True,
            capture_output=True,
            timeout=20,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

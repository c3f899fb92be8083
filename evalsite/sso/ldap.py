"""Checking a password against LDAP / Active Directory, and reading the person's groups.

Three steps, as directories expect of an application: bind as the service account (or
anonymously) and find the one entry the user filter matches; bind as that entry with the
typed password; then, as the service account again, list the groups the entry belongs to.
"""

from __future__ import annotations

from ldap3 import NONE, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from surveys.directory import Identity


class DirectoryUnavailable(RuntimeError):
    """The directory could not be asked (down, unreachable, or the service account refused)."""


class LdapDirectory:
    def __init__(self, config: dict):
        self.url = config["LDAP_URL"]
        self.start_tls = config["LDAP_START_TLS"]
        self.bind_dn, self.bind_password = config["LDAP_BIND_DN"] or None, config["LDAP_BIND_PASSWORD"] or None
        self.user_base, self.user_filter = config["LDAP_USER_BASE"], config["LDAP_USER_FILTER"]
        self.group_base = config["LDAP_GROUP_BASE"] or config["LDAP_USER_BASE"]
        self.group_filter = config["LDAP_GROUP_FILTER"]
        self.name_attribute = config["LDAP_NAME_ATTRIBUTE"]
        self.timeout = int(config["LDAP_TIMEOUT"])  # ldap3 packs it into a socket option: whole seconds

    def identify(self, username: str, password: str) -> Identity | None:
        """Who ``username`` is, if ``password`` is theirs; None for an unknown name or a wrong
        password (the caller cannot tell which, and neither can the person signing in).

        Raises DirectoryUnavailable when the directory cannot be asked at all.
        """
        if not username.strip() or not password:
            return None  # an LDAP bind with an empty password is an anonymous bind, and succeeds
        return self._ask(username, password)

    def lookup(self, username: str) -> Identity | None:
        """Who ``username`` is now, asked with the service account alone (no password): None
        if the directory no longer has them. Raises DirectoryUnavailable."""
        return self._ask(username, None)

    def _ask(self, username: str, password: str | None) -> Identity | None:
        username = username.strip()
        try:
            service = self._connect(self.bind_dn, self.bind_password)
            try:
                entry = self._find_user(service, username)
                if entry is None or (password is not None and not self._is_password_of(entry.entry_dn, password)):
                    return None
                groups = self._groups_of(service, entry.entry_dn, username)
            finally:
                service.unbind()
        except LDAPException as error:
            raise DirectoryUnavailable(f"LDAP {self.url}: {error}") from error
        names = entry[self.name_attribute].values if self.name_attribute in entry else []
        return Identity(
            source="ldap",
            external_id=username.casefold(),
            username=username,
            display_name=str(names[0]) if names else username,
            groups=tuple(groups),
        )

    def _connect(self, user: str | None, password: str | None) -> Connection:
        conn = self._open(user, password)
        if not conn.bind():
            conn.unbind()
            raise DirectoryUnavailable(
                f"LDAP {self.url}: the service account cannot bind ({conn.result['description']})"
            )
        return conn

    def _open(self, user: str | None, password: str | None) -> Connection:
        server = Server(self.url, connect_timeout=self.timeout, get_info=NONE)
        conn = Connection(server, user=user, password=password, receive_timeout=self.timeout, read_only=True)
        try:
            conn.open()
            if self.start_tls:
                conn.start_tls()
        except LDAPException:
            if getattr(conn, "socket", None) is not None:
                conn.socket.close()  # ldap3 leaves a failed connect's socket open: one file per attempt
            raise
        return conn

    def _find_user(self, service: Connection, username: str):
        query = self.user_filter.format(username=escape_filter_chars(username))
        service.search(self.user_base, query, attributes=[self.name_attribute], size_limit=2)
        return service.entries[0] if len(service.entries) == 1 else None

    def _is_password_of(self, dn: str, password: str) -> bool:
        conn = self._open(dn, password)
        try:
            if conn.bind():
                return True
            if conn.result["description"] == "invalidCredentials":
                return False
            raise DirectoryUnavailable(f"LDAP {self.url}: bind refused ({conn.result['description']})")
        finally:
            conn.unbind()

    def _groups_of(self, service: Connection, dn: str, username: str) -> list[str]:
        query = self.group_filter.format(dn=escape_filter_chars(dn), username=escape_filter_chars(username))
        service.search(self.group_base, query, attributes=[])
        return [entry.entry_dn for entry in service.entries]

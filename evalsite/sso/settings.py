"""The single sign-on settings, checked once at start-up: a mistake stops the app with a
sentence naming the variable, instead of surfacing as a refused login hours later."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from config import ConfigError
from surveys.directory import GroupRule, RulesInvalid, parse_rules


@dataclass(frozen=True)
class SsoSettings:
    rules: tuple[GroupRule, ...]
    is_ldap: bool
    is_cas: bool
    is_oidc: bool

    @property
    def methods(self) -> list[str]:
        return [name for name, on in (("ldap", self.is_ldap), ("cas", self.is_cas), ("oidc", self.is_oidc)) if on]


def read(config: dict) -> SsoSettings:
    """The enabled methods and the group rules; raises ConfigError on anything unusable."""
    is_ldap, is_cas, is_oidc = bool(config["LDAP_URL"]), bool(config["CAS_URL"]), bool(config["OIDC_ISSUER"])
    production = config.get("ENV_NAME") == "production"
    if is_ldap:
        _check_ldap(config, production)
    if is_cas:
        _check_url("EVALSITE_CAS_URL", config["CAS_URL"], production)
        if str(config["CAS_VERSION"]) not in ("2", "3"):
            raise ConfigError("EVALSITE_CAS_VERSION must be 2 or 3")
    if is_oidc:
        _check_url("EVALSITE_OIDC_ISSUER", config["OIDC_ISSUER"], production)
        if not config["OIDC_CLIENT_ID"] or not config["OIDC_CLIENT_SECRET"]:
            raise ConfigError(
                "EVALSITE_OIDC_ISSUER is set: EVALSITE_OIDC_CLIENT_ID and EVALSITE_OIDC_CLIENT_SECRET are needed too"
            )
        if "openid" not in config["OIDC_SCOPE"].split():
            raise ConfigError("EVALSITE_OIDC_SCOPE must include openid")
    rules: list[GroupRule] = []
    if is_ldap or is_cas or is_oidc:
        if not config["SSO_GROUPS"].strip():
            raise ConfigError(
                "single sign-on is on: EVALSITE_SSO_GROUPS must map directory groups to roles (nobody could sign in)"
            )
        try:
            rules = parse_rules(config["SSO_GROUPS"])
        except RulesInvalid as error:
            raise ConfigError(f"EVALSITE_SSO_GROUPS: {error}") from None
    elif config["SSO_GROUPS"].strip():
        raise ConfigError(
            "EVALSITE_SSO_GROUPS is set but no sign-in method is: set EVALSITE_LDAP_URL, EVALSITE_CAS_URL or "
            "EVALSITE_OIDC_ISSUER"
        )
    return SsoSettings(tuple(rules), is_ldap, is_cas, is_oidc)


def _check_ldap(config: dict, production: bool) -> None:
    url = urlsplit(config["LDAP_URL"])
    if url.scheme not in ("ldap", "ldaps") or not url.hostname:
        raise ConfigError("EVALSITE_LDAP_URL must look like ldaps://dc.example.gov.cn or ldap://host:389")
    if production and url.scheme == "ldap" and not config["LDAP_START_TLS"]:
        raise ConfigError(
            "EVALSITE_LDAP_URL: passwords would cross the network in clear; use ldaps:// or EVALSITE_LDAP_START_TLS=1"
        )
    if not config["LDAP_USER_BASE"]:
        raise ConfigError("EVALSITE_LDAP_URL is set: EVALSITE_LDAP_USER_BASE (where users are found) is needed too")
    if bool(config["LDAP_BIND_DN"]) != bool(config["LDAP_BIND_PASSWORD"]):
        raise ConfigError("EVALSITE_LDAP_BIND_DN and EVALSITE_LDAP_BIND_PASSWORD go together (or neither: anonymous)")
    if "{username}" not in config["LDAP_USER_FILTER"]:
        raise ConfigError("EVALSITE_LDAP_USER_FILTER must contain {username}, e.g. (sAMAccountName={username})")
    if "{dn}" not in config["LDAP_GROUP_FILTER"] and "{username}" not in config["LDAP_GROUP_FILTER"]:
        raise ConfigError("EVALSITE_LDAP_GROUP_FILTER must contain {dn} or {username}, e.g. (member={dn})")


def _check_url(name: str, value: str, production: bool) -> None:
    url = urlsplit(value)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigError(f"{name} must be the server's address, e.g. https://sso.example.gov.cn/")
    if production and url.scheme != "https":
        raise ConfigError(f"{name} must use https in production")

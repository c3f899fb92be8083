"""Single sign-on settings: what is on follows the environment, and a mistake stops start-up
with a sentence naming the variable to fix."""

from __future__ import annotations

import json
import re

import pytest

import config
from config import ConfigError
from evalsite.sso.settings import read
from surveys.directory import GroupRule, grant_for, parse_rules
from surveys.models import Role

RULES = json.dumps([{"group": "cn=jfb,ou=groups,dc=x", "role": "organiser"}])
LDAP = {
    "EVALSITE_LDAP_URL": "ldaps://dc.example.gov.cn",
    "EVALSITE_LDAP_USER_BASE": "ou=people,dc=x",
    "EVALSITE_SSO_GROUPS": RULES,
}


def settings_of(environ: dict):
    return read(config.from_environment(environ))


def test_nothing_is_on_by_default():
    assert settings_of({}).methods == []


def test_each_method_is_on_when_its_address_is_set():
    sso = settings_of(
        LDAP
        | {
            "EVALSITE_CAS_URL": "https://cas.example.gov.cn/cas/",
            "EVALSITE_OIDC_ISSUER": "https://id.example.gov.cn",
            "EVALSITE_OIDC_CLIENT_ID": "evalsite",
            "EVALSITE_OIDC_CLIENT_SECRET": "s3cret",
        }
    )
    assert sso.methods == ["ldap", "cas", "oidc"]
    assert sso.rules == (GroupRule("cn=jfb,ou=groups,dc=x", Role.ORGANISER),)


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"EVALSITE_LDAP_URL": "ldaps://dc", "EVALSITE_LDAP_USER_BASE": "ou=p"}, "EVALSITE_SSO_GROUPS must map"),
        ({"EVALSITE_SSO_GROUPS": RULES}, "no sign-in method is"),
        (LDAP | {"EVALSITE_SSO_GROUPS": "[{"}, "not valid JSON"),
        (LDAP | {"EVALSITE_SSO_GROUPS": "/nowhere/groups.json"}, "cannot read the group rules file"),
        (LDAP | {"EVALSITE_SSO_GROUPS": '[{"group": "g", "role": "admin"}]'}, "admins are local accounts"),
        (LDAP | {"EVALSITE_SSO_GROUPS": '[{"group": "g", "role": "unit_officer"}]'}, "must name its unit"),
        (LDAP | {"EVALSITE_SSO_GROUPS": '[{"group": "g", "role": "leader", "unit": "u"}]'}, "only a unit_officer"),
        (LDAP | {"EVALSITE_SSO_GROUPS": '[{"role": "leader"}]'}, "group rule 1 has no group"),
        (LDAP | {"EVALSITE_SSO_GROUPS": '[{"group": "g", "role": "leader", "units": "u"}]'}, "only the keys"),
        (LDAP | {"EVALSITE_LDAP_URL": "dc.example.gov.cn"}, "EVALSITE_LDAP_URL must look like"),
        ({k: v for k, v in LDAP.items() if k != "EVALSITE_LDAP_USER_BASE"}, "EVALSITE_LDAP_USER_BASE"),
        (LDAP | {"EVALSITE_LDAP_BIND_DN": "cn=svc"}, "go together"),
        (LDAP | {"EVALSITE_LDAP_USER_FILTER": "(uid=*)"}, "must contain {username}"),
        (LDAP | {"EVALSITE_LDAP_GROUP_FILTER": "(objectClass=group)"}, "must contain {dn} or {username}"),
        ({"EVALSITE_CAS_URL": "https://cas", "EVALSITE_CAS_VERSION": "1", "EVALSITE_SSO_GROUPS": RULES}, "2 or 3"),
        ({"EVALSITE_CAS_URL": "cas.example.gov.cn", "EVALSITE_SSO_GROUPS": RULES}, "EVALSITE_CAS_URL must be"),
        ({"EVALSITE_OIDC_ISSUER": "https://id", "EVALSITE_SSO_GROUPS": RULES}, "EVALSITE_OIDC_CLIENT_SECRET"),
        (
            {
                "EVALSITE_OIDC_ISSUER": "https://id",
                "EVALSITE_OIDC_CLIENT_ID": "c",
                "EVALSITE_OIDC_CLIENT_SECRET": "s",
                "EVALSITE_OIDC_SCOPE": "profile",
                "EVALSITE_SSO_GROUPS": RULES,
            },
            "must include openid",
        ),
    ],
)
def test_a_bad_setting_is_refused_with_a_sentence_naming_it(environ, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        settings_of(environ)


def test_production_refuses_passwords_or_tokens_in_clear():
    production = {"EVALSITE_ENV": "production"}
    with pytest.raises(ConfigError, match="in clear"):
        settings_of(production | LDAP | {"EVALSITE_LDAP_URL": "ldap://dc.example.gov.cn"})
    assert settings_of(production | LDAP | {"EVALSITE_LDAP_URL": "ldap://dc", "EVALSITE_LDAP_START_TLS": "1"}).is_ldap
    with pytest.raises(ConfigError, match="https in production"):
        settings_of(production | {"EVALSITE_CAS_URL": "http://cas.example.gov.cn/cas/", "EVALSITE_SSO_GROUPS": RULES})


def test_group_rules_can_live_in_a_file(tmp_path):
    path = tmp_path / "groups.json"
    path.write_text('[{"group": "统计局联络员", "role": "unit_officer", "unit": "市统计局"}]', encoding="utf-8")
    assert parse_rules(str(path)) == [GroupRule("统计局联络员", Role.UNIT_OFFICER, "市统计局")]


def test_the_first_rule_that_matches_decides_and_dns_compare_as_ldap_compares_them():
    rules = parse_rules(
        json.dumps(
            [
                {"group": "cn=jfb,ou=groups,dc=x", "role": "organiser"},
                {"group": "cn=leaders,ou=groups,dc=x", "role": "leader"},
            ]
        )
    )
    assert grant_for(rules, ["CN=Leaders, OU=Groups, DC=x", "cn=JFB,ou=groups,dc=x"]).role is Role.ORGANISER
    assert grant_for(rules, ["cn=leaders,ou=groups,dc=x"]).role is Role.LEADER
    assert grant_for(rules, ["cn=kitchen,ou=groups,dc=x"]) is None
    assert grant_for(rules, []) is None

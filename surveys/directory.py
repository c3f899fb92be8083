"""Which role and unit a directory's groups give a staff member (single sign-on).

The organisation's directory (LDAP / Active Directory, CAS or OIDC) says who someone is and
which groups they are in; a list of rules in configuration turns groups into a role here:

    [{"group": "cn=jfb,ou=groups,dc=example,dc=gov,dc=cn", "role": "organiser"},
     {"group": "cn=tongji,ou=groups,dc=example,dc=gov,dc=cn", "role": "unit_officer", "unit": "市统计局"}]

The first rule whose group the person is in decides; a person in none of them has no access.
Groups compare without regard to case or to spaces after a DN's commas, as LDAP compares DNs.
The directory never makes an admin: admins are local accounts, which keep working when the
directory is down, and a directory group an attacker joins cannot hand out user management.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from surveys.models import Role


class RulesInvalid(ValueError):
    """The group rules in configuration cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class GroupRule:
    group: str
    role: Role
    #: The unit a unit officer belongs to, by its name here.
    unit: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who the directory says signed in: stable id, login name, display name and groups."""

    source: str
    external_id: str
    username: str
    display_name: str
    groups: tuple[str, ...]


GRANTABLE = (Role.ORGANISER, Role.LEADER, Role.UNIT_OFFICER)


def parse_rules(text: str) -> list[GroupRule]:
    """Read rules from JSON text, or from the JSON file that ``text`` names.

    Raises RulesInvalid naming the rule and what is wrong with it.
    """
    text = text.strip()
    if not text.startswith("["):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as error:
            raise RulesInvalid(f"cannot read the group rules file {text}: {error.strerror}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise RulesInvalid(f"the group rules are not valid JSON: {error}") from None
    if not isinstance(raw, list) or not raw:
        raise RulesInvalid("the group rules must be a non-empty JSON list of {group, role, unit} objects")
    return [_rule(number, item) for number, item in enumerate(raw, start=1)]


def _rule(number: int, item: object) -> GroupRule:
    if not isinstance(item, dict) or set(item) - {"group", "role", "unit"}:
        raise RulesInvalid(f"group rule {number} must be an object with only the keys group, role and unit")
    group, role, unit = item.get("group"), item.get("role"), item.get("unit")
    if not isinstance(group, str) or not group.strip():
        raise RulesInvalid(f"group rule {number} has no group")
    names = ", ".join(r.value for r in GRANTABLE)
    if role not in {r.value for r in GRANTABLE}:
        raise RulesInvalid(f"group rule {number} ({group}): role must be one of {names} (admins are local accounts)")
    if role == Role.UNIT_OFFICER.value:
        if not isinstance(unit, str) or not unit.strip():
            raise RulesInvalid(f"group rule {number} ({group}): a unit_officer rule must name its unit")
        unit = unit.strip()
    elif unit is not None:
        raise RulesInvalid(f"group rule {number} ({group}): only a unit_officer rule names a unit")
    return GroupRule(group=group.strip(), role=Role(role), unit=unit)


def normalise_group(group: str) -> str:
    """``CN=JFB, OU=Groups,DC=x`` and ``cn=jfb,ou=groups,dc=x`` are the same group."""
    return re.sub(r"\s*([,=])\s*", r"\1", group.strip()).casefold()


def grant_for(rules: Iterable[GroupRule], groups: Iterable[str]) -> GroupRule | None:
    """The first rule whose group is among ``groups``, or None (no access)."""
    held = {normalise_group(group) for group in groups}
    return next((rule for rule in rules if normalise_group(rule.group) in held), None)

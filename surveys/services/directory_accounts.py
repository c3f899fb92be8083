"""Staff who sign in through the organisation's directory (LDAP, CAS, OIDC).

A directory account is a local user record that the directory keeps up to date: made at the
first sign-in, its role, unit and name re-read from the directory's groups at every later one.
It has no usable password here. Someone whose groups no longer give them access is refused,
and every session they still have ends (their session version goes up), so removing a person
from the directory group is how their access is taken away.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.directory import GroupRule, Identity, grant_for
from surveys.models import AuthSource, Role, Unit, User
from surveys.services import audit, users

#: Stored instead of a password hash: no password matches it (it is not a hash format).
NO_PASSWORD = "!directory-account"  # noqa: S105 - the opposite of a password  # nosec B105


def sign_in(session: Session, identity: Identity, rules: Sequence[GroupRule], *, now: datetime) -> User | None:
    """The user for a person the directory has just authenticated, or None if refused.

    Refused, with the reason in the audit log only: no rule matches their groups, the rule's
    unit does not exist here, an admin disabled the account, or the login name belongs to
    another account (a local one, or one from another directory). Refusing ends the person's
    open sessions; signing in updates role, unit and display name from the directory.
    """
    source = AuthSource(identity.source)
    user = session.scalar(select(User).where(User.auth_source == source, User.external_id == identity.external_id))
    rule = grant_for(rules, identity.groups)
    unit = _unit_of(session, rule)
    reason = _refusal(session, identity, user, rule, unit)
    if reason:
        if user is not None:
            user.session_version += 1
        groups = list(identity.groups)[:50]
        users.record_refused_login(
            session, identity.username, reason, now=now, user=user, source=source.value, groups=groups
        )
        return None
    values = _granted(identity, rule, unit)
    if user is None:
        user = _create(session, identity, source, values, now=now)
    else:
        _update(session, user, values, now=now)
    audit.record(session, "auth.login", now=now, actor_id=user.id, obj=user, summary=user.username, source=source.value)
    return user


def review(
    session: Session, user: User, identity: Identity | None, rules: Sequence[GroupRule], *, now: datetime
) -> bool:
    """Bring a directory account in line with what the directory says now, between sign-ins.

    ``identity`` is the directory's current answer for the account, None if the person is no
    longer in it. Returns whether the account still has access; without it (gone, no mapped
    group, the unit missing here) every session it has ends at once, and the next sign-in is
    refused. With it, role, unit and name follow the groups.
    """
    rule = grant_for(rules, identity.groups) if identity else None
    unit = _unit_of(session, rule)
    if identity is None or rule is None or (rule.unit is not None and unit is None):
        user.session_version += 1
        reason = "gone_from_directory" if identity is None else "no_mapped_group" if rule is None else "unit_missing"
        audit.record(
            session, "auth.access_ended", now=now, actor_id=None, obj=user, summary=user.username, reason=reason
        )
        return False
    _update(session, user, _granted(identity, rule, unit), now=now)
    return True


def _granted(identity: Identity, rule: GroupRule, unit: Unit | None) -> dict:
    return {
        "role": rule.role,
        "unit_id": unit.id if rule.role is Role.UNIT_OFFICER and unit else None,
        "display_name": (identity.display_name or identity.username)[:100],
    }


def _update(session: Session, user: User, values: dict, *, now: datetime) -> None:
    changes = audit.apply_changes(user, values)
    if changes["after"]:
        audit.record(session, "user.update", now=now, actor_id=None, obj=user, summary=user.username, **changes)


def _unit_of(session: Session, rule: GroupRule | None) -> Unit | None:
    if rule is None or rule.unit is None:
        return None
    return session.scalar(select(Unit).where(Unit.name == rule.unit))


def _refusal(session: Session, identity: Identity, user: User | None, rule: GroupRule | None, unit: Unit | None) -> str:
    if rule is None:
        return "no_mapped_group"
    if rule.unit is not None and unit is None:
        return "unit_missing"
    if user is None:
        if not identity.username or len(identity.username) > 64:
            return "bad_username"
        taken = session.scalar(select(User.id).where(func.lower(User.username) == identity.username.lower()))
        return "username_taken" if taken is not None else ""
    return "" if user.is_active else "disabled"


def _create(session: Session, identity: Identity, source: AuthSource, values: dict, *, now: datetime) -> User:
    user = User(
        username=identity.username,
        password_hash=NO_PASSWORD,
        auth_source=source,
        external_id=identity.external_id,
        created_at=now,
        **values,
    )
    session.add(user)
    audit.record(
        session,
        "user.create",
        now=now,
        actor_id=None,
        obj=user,
        summary=user.username,
        role=user.role.value,
        unit_id=user.unit_id,
        source=source.value,
    )
    return user

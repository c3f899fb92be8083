"""Accounts: creation, password checks, logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, DomainError, NotFound
from surveys.i18n import N_
from surveys.models import AuthSource, Role, Unit, User
from surveys.passwords import check_password, dummy_hash, hash_password, is_password
from surveys.services import audit

__all__ = [
    "authenticate",
    "change_own_password",
    "check_password",
    "create_user",
    "end_sessions",
    "record_refused_login",
    "reset_password",
    "set_active",
]


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    now: datetime,
    actor_id: int | None = None,
    unit_id: int | None = None,
    display_name: str = "",
) -> User:
    """Create an account. Unit officers must belong to a unit; others must not."""
    username = username.strip()
    if not username or len(username) > 64:
        raise DomainError(N_("用户名不能为空，且不超过 64 个字符"))
    check_password(password, username)
    # "Leader" beside "leader" would be two accounts people cannot tell apart when reading.
    taken = session.scalar(select(User.username).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise Conflict(N_("用户名 %(name)s 已存在"), name=taken)
    if role is Role.UNIT_OFFICER:
        if unit_id is None or session.get(Unit, unit_id) is None:
            raise DomainError(N_("单位联络员必须指定所属单位"))
    else:
        unit_id = None
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    audit.record(
        session,
        "user.create",
        now=now,
        actor_id=actor_id,
        obj=user,
        summary=username,
        role=role.value,
        unit_id=unit_id,
    )
    return user


def authenticate(
    session: Session, username: str, password: str, *, now: datetime, is_throttled: bool = False
) -> User | None:
    """Return the active user with these credentials, or None; every attempt is audited.

    The password is checked in every case, against a dummy hash when the name is unknown, so
    the answer takes as long for an unknown name, a disabled account or a throttled one as
    for a wrong password. Only the audit entry (admins only) says which it was.
    """
    user = session.scalar(select(User).where(User.username == username.strip()))
    is_valid = is_password(user.password_hash if user else dummy_hash(), password)
    reason = _refusal(user, is_valid, is_throttled)
    if reason:
        record_refused_login(session, username, reason, now=now, user=user)
        return None
    audit.record(session, "auth.login", now=now, actor_id=user.id, obj=user, summary=user.username)
    return user


def record_refused_login(
    session: Session, username: str, reason: str, *, now: datetime, user: User | None = None, **detail
) -> None:
    """Audit a refused sign-in, local or through a directory: the person is told only that it
    failed; the entry (admins only) says why."""
    audit.record(
        session,
        "auth.login_failed",
        now=now,
        actor_id=user.id if user else None,
        summary=username[:64],
        reason=reason,
        **detail,
    )


def _refusal(user: User | None, is_valid: bool, is_throttled: bool) -> str:
    if user is None:
        return "unknown_user"
    if user.auth_source is not AuthSource.LOCAL:
        return "directory_account"  # signs in through its directory, never with a password here
    if is_throttled:
        return "throttled"
    if not is_valid:
        return "wrong_password"
    if not user.is_active:
        return "disabled"
    return ""


def reset_password(session: Session, user_id: int, password: str, *, now: datetime, actor_id: int | None) -> User:
    """An admin sets a temporary password; the user must choose their own at the next login."""
    user = get_local_user(session, user_id)
    _set_password(user, password, now=now)
    user.must_change_password = True
    audit.record(session, "user.password_reset", now=now, actor_id=actor_id, obj=user, summary=user.username)
    return user


def change_own_password(session: Session, user_id: int, current: str, new: str, *, now: datetime) -> User:
    """A user replaces their password, proving they know the current one."""
    user = get_local_user(session, user_id)
    if not is_password(user.password_hash, current):
        raise DomainError(N_("当前密码不正确"))
    if new == current:
        raise DomainError(N_("新密码不能与当前密码相同"))
    _set_password(user, new, now=now)
    user.must_change_password = False
    audit.record(session, "user.password_change", now=now, actor_id=user.id, obj=user, summary=user.username)
    return user


def _set_password(user: User, password: str, *, now: datetime) -> None:
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.session_version += 1


def end_sessions(session: Session, user_id: int, *, now: datetime) -> None:
    """End every login session of a user, on every device (logout does this): a session's id
    names the session version, so raising it makes every cookie issued before worthless."""
    user = get_user(session, user_id)
    user.session_version += 1
    audit.record(session, "auth.logout", now=now, actor_id=user.id, obj=user, summary=user.username)


def set_active(session: Session, user_id: int, is_active: bool, *, now: datetime, actor_id: int | None) -> User:
    """Disable or enable an account. A disabled user is signed out at their next request and
    stays so when enabled again (sessions end for good); nobody can disable their own account
    (an admin could lock everyone out)."""
    user = get_user(session, user_id)
    if not is_active and user.id == actor_id:
        raise DomainError(N_("不能停用自己的账号"))
    if user.is_active != is_active:
        user.is_active = is_active
        user.session_version += 1  # enabling again must not bring back a session from before
        action = "user.enable" if is_active else "user.disable"
        audit.record(session, action, now=now, actor_id=actor_id, obj=user, summary=user.username)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("用户不存在"))
    return user


def get_local_user(session: Session, user_id: int) -> User:
    """A user whose password lives here: a directory account's lives in its directory."""
    user = get_user(session, user_id)
    if user.auth_source is not AuthSource.LOCAL:
        raise DomainError(N_("该账号通过单位目录登录，密码由目录管理，不能在本系统设置"))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))

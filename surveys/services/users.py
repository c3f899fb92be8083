"""Accounts: creation, password checks, logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from surveys.errors import Conflict, DomainError, NotFound
from surveys.i18n import N_
from surveys.models import Role, Unit, User
from surveys.services import audit

MIN_PASSWORD_LENGTH = 8
#: Checked against when a username is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


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
    check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(N_("用户名 %(name)s 已存在"), name=username)
    if role is Role.UNIT_OFFICER:
        if unit_id is None or session.get(Unit, unit_id) is None:
            raise DomainError(N_("单位联络员必须指定所属单位"))
    else:
        unit_id = None
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=generate_password_hash(password),
        role=role,
        unit_id=unit_id,
        created_at=now,
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


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(N_("密码至少需要 %(n)d 个字符"), n=MIN_PASSWORD_LENGTH)
    if password.isdigit() or password.isalpha():
        raise DomainError(N_("密码需同时包含字母和数字或符号"))


def authenticate(session: Session, username: str, password: str, *, now: datetime) -> User | None:
    """Return the active user with these credentials, or None; every attempt is audited."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    is_valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not is_valid or not user.is_active:
        audit.record(
            session,
            "auth.login_failed",
            now=now,
            actor_id=user.id if user else None,
            summary=username[:64],
        )
        return None
    audit.record(session, "auth.login", now=now, actor_id=user.id, obj=user, summary=user.username)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("用户不存在"))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))

"""Accounts and roles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.models.types import enum_column


class Role(enum.Enum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    LEADER = "leader"
    UNIT_OFFICER = "unit_officer"


class AuthSource(enum.Enum):
    """Where an account's password lives: here, or in the organisation's directory."""

    LOCAL = "local"
    LDAP = "ldap"
    CAS = "cas"
    OIDC = "oidc"


class User(Base):
    __tablename__ = "users"
    __repr_fields__ = ("id", "username")  # never the password hash
    __table_args__ = (UniqueConstraint("auth_source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    #: Unit officers see only this unit; empty for every other role.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    #: Set when an admin resets the password: the user must choose a new one before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: Part of the login session's id: changing the password ends every other session.
    password_changed_at: Mapped[datetime | None]
    #: Part of the login session's id too: raised at logout, password change or disabling, it
    #: ends every session opened before, so a copied cookie is worthless afterwards.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    #: A directory account has no usable password here: it signs in through its directory,
    #: which decides its role and unit at every sign-in (surveys.directory).
    auth_source: Mapped[AuthSource] = mapped_column(
        enum_column(AuthSource, "auth_source"), default=AuthSource.LOCAL, server_default=AuthSource.LOCAL.value
    )
    #: The directory's stable name for the person: an LDAP DN, a CAS user, an OIDC issuer and subject.
    external_id: Mapped[str | None] = mapped_column(String(255))

    unit = relationship("Unit")

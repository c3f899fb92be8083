"""Every model has a short repr naming it, its key and one telling field, never a secret."""

from __future__ import annotations

from sqlalchemy import String, inspect

from surveys.db import Base
from surveys.models import Campaign, Code, CodeStatus, Target, User

#: Columns whose values must never reach a log line through a repr.
SECRET = {"password_hash", "digest", "token_digest", "batch_key", "token", "text", "data", "hash", "prev_hash"}


def every_model() -> list[type]:
    return sorted((mapper.class_ for mapper in Base.registry.mappers), key=lambda cls: cls.__name__)


def filled(cls: type) -> object:
    """An instance with a recognisable value in every string column."""
    obj = cls()
    for column in inspect(cls).columns:
        if isinstance(column.type, String) and column.key in inspect(cls).attrs:
            setattr(obj, column.key, f"VALUE-OF-{column.key}")
    return obj


def test_every_model_names_itself_and_only_loaded_fields_it_was_told_to_show():
    for cls in every_model():
        assert cls.__repr__ is Base.__repr__, cls
        shown = repr(filled(cls))
        assert shown.startswith(f"{cls.__name__}(") and shown.endswith(")"), shown
        assert cls.__repr_fields__, f"{cls.__name__} names no repr fields"
        for name in cls.__repr_fields__:
            assert name in inspect(cls).attrs, (cls, name)


def test_no_repr_shows_a_secret_a_code_digest_or_what_a_rater_wrote():
    for cls in every_model():
        shown = repr(filled(cls))
        for column in SECRET:
            assert f"VALUE-OF-{column}" not in shown, (cls.__name__, column)


def test_a_repr_reads_like_the_row():
    campaign = Campaign(id=3, name="2026年度评议")
    assert repr(campaign) == "Campaign(id=3, name='2026年度评议')"
    assert repr(Target(id=7, code="A01", name="张三")) == "Target(id=7, code='A01')"
    assert repr(User(id=1, username="admin", password_hash="scrypt:...")) == "User(id=1, username='admin')"
    code = Code(digest="ab" * 32, batch_id=4, status=CodeStatus.USED)
    assert repr(code) == "Code(batch_id=4, status=CodeStatus.USED)"


def test_a_repr_of_a_field_not_loaded_shows_a_question_mark_instead_of_querying():
    assert repr(Campaign()) == "Campaign(id=?, name=?)"

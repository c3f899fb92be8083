"""Nobody holding the database can tell which code produced which ballot (DESIGN.md section 5).

The schema tests read the live database (not only the models), so a column added by hand or
by a migration fails them just the same.
"""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, select

from surveys import codes
from surveys.models import Ballot, Code, CodeStatus, Comment
from surveys.services import rounds
from tests.builders import KEYS, KW, answers_for, cast, issue, open_first_round
from tests.conftest import NOW

#: Every column the anonymous tables may have. Adding one means revisiting DESIGN.md section 5.
ALLOWED_COLUMNS = {
    "ballots": {"id", "round_id", "group_id", "cast_on", "is_low_trust"},
    "ratings": {"ballot_id", "target_id", "item_id", "level_id"},
    "comments": {"id", "ballot_id", "round_id", "target_id", "text"},
}
#: Tables an anonymous row may refer to: never a code, a batch, a terminal or a user.
ALLOWED_REFERENCES = {
    "ballots": {"rounds", "rater_groups"},
    "ratings": {"ballots", "targets", "items", "levels"},
    "comments": {"ballots", "rounds", "targets"},
}
SUSPICIOUS = re.compile(
    r"code|batch|digest|session|(^|_)ip(_|$)|addr|agent|cookie|time|created|updated|token|_at$|user|client|seq"
)
TEMPORAL = (sa.Date, sa.DateTime, sa.Time, sa.Interval)
BALLOTS = 60


def columns(engine, table: str) -> dict[str, sa.types.TypeEngine]:
    return {column["name"]: column["type"] for column in inspect(engine).get_columns(table)}


@pytest.mark.parametrize("table", sorted(ALLOWED_COLUMNS))
def test_anonymous_tables_have_exactly_the_allowed_columns(engine, table):
    found = set(columns(engine, table))

    assert found == ALLOWED_COLUMNS[table]
    assert not {name for name in found if SUSPICIOUS.search(name)}


@pytest.mark.parametrize("table", sorted(ALLOWED_COLUMNS))
def test_anonymous_tables_refer_to_no_code_batch_or_person(engine, table):
    referred = {fk["referred_table"] for fk in inspect(engine).get_foreign_keys(table)}

    assert referred == ALLOWED_REFERENCES[table]


def test_the_only_date_on_a_ballot_is_the_day_it_was_cast(engine):
    temporal = {name: type_ for name, type_ in columns(engine, "ballots").items() if isinstance(type_, TEMPORAL)}

    assert set(temporal) == {"cast_on"}
    assert isinstance(temporal["cast_on"], sa.Date) and not isinstance(temporal["cast_on"], sa.DateTime)
    for table in ("ratings", "comments"):
        assert not any(isinstance(type_, TEMPORAL) for type_ in columns(engine, table).values()), table


def test_a_code_keeps_the_day_of_its_use_and_no_time(engine):
    temporal = {name: type_ for name, type_ in columns(engine, "codes").items() if isinstance(type_, TEMPORAL)}

    # expires_at is fixed when the code is issued, never touched when it is used.
    assert set(temporal) == {"expires_at", "used_on"}
    assert isinstance(temporal["used_on"], sa.Date) and not isinstance(temporal["used_on"], sa.DateTime)


def test_using_a_code_changes_only_its_status_and_day_of_use(engine, session, make_campaign):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    (code,) = issue(session, round_)
    digest = codes.digest(KEYS.lookup, code)

    def row() -> dict:
        with engine.connect() as conn:
            return dict(conn.execute(select(Code.__table__).where(Code.digest == digest)).mappings().one())

    before = row()
    cast(session, code, answers_for(round_, campaign.targets))
    session.commit()
    after = row()

    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"status", "used_on"}
    assert (after["status"], after["used_on"]) == (CodeStatus.USED, NOW.date())


def cast_in_order(session, round_, target, n: int) -> list[str]:
    """Cast ``n`` ballots one after another, each in its own transaction, the i-th with the
    comment ``n=<i>``; returns the codes in the order they were used."""
    used = issue(session, round_, n, target_id=target.id)
    answers = answers_for(round_, [target])
    for i, code in enumerate(used):
        cast(session, code, answers, {target.id: f"n={i}"})
        session.commit()
    return used


def submission_order(engine) -> dict[str, int]:
    """Ballot id → position in submission order, read back from the ``n=<i>`` comments."""
    with engine.connect() as conn:
        return {ballot_id: int(text[2:]) for ballot_id, text in conn.execute(select(Comment.ballot_id, Comment.text))}


def test_ballot_ids_are_random_uuid4_strings_in_no_order(engine, session, make_campaign):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    cast_in_order(session, round_, campaign.targets[0], 30)

    order = submission_order(engine)
    ids = sorted(order, key=order.get)
    assert len(ids) == 30
    for ballot_id in ids:
        parsed = uuid.UUID(ballot_id)
        assert (parsed.version, str(parsed)) == (4, ballot_id)
    assert ids != sorted(ids) and ids != sorted(ids, reverse=True)
    with engine.connect() as conn:
        comment_ids = list(conn.scalars(select(Comment.id)))
    assert all(uuid.UUID(comment_id).version == 4 for comment_id in comment_ids)


def spearman(ranks_a: list[int], ranks_b: list[int]) -> float:
    """Spearman's rank correlation of two rankings of the same items, without ties."""
    n = len(ranks_a)
    squared = sum((a - b) ** 2 for a, b in zip(ranks_a, ranks_b, strict=True))
    return 1 - 6 * squared / (n * (n * n - 1))


def correlation_with_submission(dumped_ids: list[str], order: dict[str, int]) -> float:
    """How well the dump's order gives away the order in which the rows were written."""
    assert sorted(dumped_ids) == sorted(order), "the dump must hold exactly the rows written"
    return spearman(list(range(len(dumped_ids))), [order[i] for i in dumped_ids])


def test_spearman_is_one_for_the_same_order_and_minus_one_for_the_reverse():
    assert spearman([0, 1, 2, 3], [0, 1, 2, 3]) == 1
    assert spearman([0, 1, 2, 3], [3, 2, 1, 0]) == -1
    assert spearman([0, 1, 2, 3], [1, 0, 3, 2]) == pytest.approx(0.6)  # 1 - 6 * 4 / (4 * 15)


def dump_sqlite(engine) -> dict[str, list[str]]:
    """Ballot ids and used-code digests in plain dump order: ``SELECT *`` without ORDER BY and
    the ``.dump`` of the sqlite3 shell (``iterdump``)."""
    with engine.connect() as conn:
        plain = [row[0] for row in conn.exec_driver_sql("SELECT * FROM ballots")]
        code_rows = conn.exec_driver_sql("SELECT digest, status FROM codes").all()
    raw = engine.raw_connection()
    try:
        lines = list(raw.driver_connection.iterdump())
    finally:
        raw.close()
    dumped = [re.match(r"INSERT INTO \"ballots\" VALUES\('([^']+)'", line) for line in lines]
    return {
        "ballots": plain,
        "ballots (iterdump)": [match[1] for match in dumped if match],
        "used codes": [digest for digest, status in code_rows if status == CodeStatus.USED.value],
    }


def physical_rows(engine, table: str, key: str) -> list[tuple[str, str]]:
    """(key, xmin) of a PostgreSQL table's rows in physical (ctid) order."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(f"SELECT {key}, xmin::text FROM {table} ORDER BY ctid")]  # noqa: S608 - fixed names


def test_a_closed_round_leaves_no_trace_of_the_order_ballots_were_cast_in(engine, session, make_campaign):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    used_codes = cast_in_order(session, round_, campaign.targets[0], BALLOTS)
    is_postgresql = engine.dialect.name == "postgresql"
    if is_postgresql:
        # Unsealed, each ballot shares its transaction id with the code it used: the pairing
        # that sealing has to break.
        ballot_xmins = {xmin for _id, xmin in physical_rows(engine, "ballots", "id")}
        code_xmins = {xmin for _digest, xmin in physical_rows(engine, "codes", "digest")}
        assert len(ballot_xmins) == BALLOTS and ballot_xmins <= code_xmins

    rounds.close_round(session, round_.id, **KW)
    session.commit()

    order = submission_order(engine)
    code_order = {codes.digest(KEYS.lookup, code): i for i, code in enumerate(used_codes)}
    if is_postgresql:
        tables = {name: physical_rows(engine, name, key) for name, key in [("ballots", "id"), ("codes", "digest")]}
        for name, key in [("ratings", "ballot_id"), ("comments", "id")]:
            tables[name] = physical_rows(engine, name, key)
        xmins = {xmin for rows in tables.values() for _key, xmin in rows}
        assert len(xmins) == 1, "every row of the sealed round is written by one transaction"
        dumps = {"ballots": [key for key, _xmin in tables["ballots"]]}
        dumps["used codes"] = [key for key, _xmin in tables["codes"]]
    else:
        dumps = dump_sqlite(engine)
        assert dumps["ballots (iterdump)"] == dumps["ballots"]

    for name, dumped in dumps.items():
        rho = correlation_with_submission(dumped, code_order if name == "used codes" else order)
        assert abs(rho) < 0.4, f"{name}: dump order follows submission order (rho={rho:.2f})"
    assert session.scalar(select(sa.func.count()).select_from(Ballot)) == BALLOTS


def test_two_rounds_close_in_one_transaction_and_both_are_sealed(engine, session, make_campaign):
    """Sealing's scratch tables must not outlive one round's sealing (PostgreSQL refused the
    second round with DuplicateTable "sealed_codes" when they lived until the commit)."""
    campaigns = [make_campaign("第一个活动"), make_campaign("第二个活动")]
    rounds_ = [open_first_round(session, campaign) for campaign in campaigns]
    for round_, campaign in zip(rounds_, campaigns, strict=True):
        cast_in_order(session, round_, campaign.targets[0], 6)
    for round_ in rounds_:
        rounds.close_round(session, round_.id, **KW)
    session.commit()
    session.expire_all()
    assert [session.get(type(round_), round_.id).status.value for round_ in rounds_] == ["closed", "closed"]
    for round_ in rounds_:
        assert session.scalar(select(sa.func.count()).select_from(Ballot).where(Ballot.round_id == round_.id)) == 6
    if engine.dialect.name == "postgresql":
        xmins = {xmin for _id, xmin in physical_rows(engine, "ballots", "id")}
        assert len(xmins) == 1, "both rounds were rewritten by the one closing transaction"

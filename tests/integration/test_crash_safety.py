"""Crash safety: the server is killed with SIGKILL again and again while ballots arrive.

Master and workers die together (the whole process group, as a power cut or the OOM killer
would leave them), mid-request, at random moments, twenty times; after each kill the server
is started again and the clients carry on. Afterwards every ballot that was acknowledged
(302 to /r/thanks) is in the database exactly once, whole; every used code has its ballot
and every ballot its used code; a request cut off in flight left both or neither; and the
database passes its own integrity check. On SQLite and PostgreSQL (EVALSITE_TEST_POSTGRES).
"""

from __future__ import annotations

import random
import time

import pytest

from surveys.services import issuing
from tests.builders import KW, answers_for, open_first_round
from tests.integration.soundness import ballot_problems, storage_problems, suggestions, used_codes
from tests.live import KEYS, BallotStream, LiveServer, server_env

#: Starts real processes: left out of the inner loop (`pytest -m "not slow"`), always run by CI.
pytestmark = pytest.mark.slow

KILLS = 20
CODES = 3_000  #: more than the clients can use in the test's time, so they never run out


def test_every_acknowledged_ballot_survives_twenty_sigkills_and_nothing_is_half_written(
    database_url, engine, session, make_campaign, tmp_path
):
    campaign = make_campaign()
    round_ = open_first_round(session, campaign)
    _batch, issued = issuing.issue_batch(session, round_.id, round_.groups[0].id, CODES, KEYS, **KW)
    session.commit()
    answers = answers_for(round_, campaign.targets, level=1)
    # --preload: the master imports the app once and forks its workers, so a restart is quick.
    server = LiveServer(server_env(database_url), tmp_path, args=("-w", "2", "--preload")).start()
    stream = BallotStream(server, issued, answers, comment_target=campaign.targets[0].id).start()
    chance = random.Random()  # noqa: S311 - moments to kill at, not secrets
    try:
        for _ in range(KILLS):
            time.sleep(chance.uniform(0.1, 0.7))
            server.kill()
            server.start()
        time.sleep(0.5)
    finally:
        stream.stop()
        server.stop()

    outcomes = stream.outcomes()
    acknowledged = stream.acknowledged()
    assert acknowledged and outcomes.get("in doubt"), f"the kills never met a ballot in flight: {outcomes}"
    assert set(outcomes) <= {"acknowledged", "in doubt"}, outcomes
    found = suggestions(engine)
    attempted = {stream.mark(i): i for i in stream.attempts}
    assert set(found) <= set(attempted), "a ballot nobody cast"
    assert max(found.values()) == 1, "a ballot recorded twice"
    present = {attempted[mark] for mark in found}
    assert acknowledged <= present, f"acknowledged but lost: {sorted(acknowledged - present)}"
    assert used_codes(engine, KEYS, issued) == present, "a used code without its ballot, or the reverse"
    items = len(round_.questionnaire.items)
    assert ballot_problems(engine, ratings_per_ballot=len(campaign.targets) * items) == []
    assert storage_problems(engine) == []
    assert "Traceback" not in server.errors().replace("SIGKILL", ""), server.errors()[-3000:]

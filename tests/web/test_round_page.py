"""The round page: opening and closing ask first, and the page says what each state means."""

from __future__ import annotations

import html
import re

from surveys.models import Role
from surveys.services import rounds
from tests.conftest import NOW
from tests.web.support import page_text

KW = {"now": NOW, "actor_id": None}
OPEN_SAYS = "轮次已开放：测评表、评议主体和权重已冻结。"
CLOSED_SAYS = "轮次已结束：不再接收评议，测评表、评议主体和权重保持冻结。"


def question_of(page: str, action: str) -> str | None:
    """The confirm question of the form posting to ``action``, or None if it asks nothing."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>', page)
    assert form, f"no form posts to {action}"
    asked = re.search(r'data-confirm="([^"]*)"', form[0])
    return html.unescape(asked[1]) if asked else None


def test_opening_and_closing_a_round_ask_first_and_the_page_says_what_each_state_means(
    client, sign_in, session, make_campaign
):
    round_ = make_campaign().rounds[0]
    sign_in(client, Role.ORGANISER)
    url = f"/admin/rounds/{round_.id}"

    draft = client.get(url).text
    assert "冻结" in question_of(draft, f"{url}/open")
    assert OPEN_SAYS not in page_text(client.get(url)) and CLOSED_SAYS not in page_text(client.get(url))

    rounds.open_round(session, round_.id, **KW)
    session.commit()
    opened = client.get(url)
    assert "不能撤销" in question_of(opened.text, f"{url}/close")
    assert OPEN_SAYS in page_text(opened)

    rounds.close_round(session, round_.id, **KW)
    session.commit()
    closed = page_text(client.get(url))
    assert CLOSED_SAYS in closed and OPEN_SAYS not in closed

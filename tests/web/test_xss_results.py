"""The 200 XSS payloads through what results, reports and the ledger show back.

Companion to tests/web/test_xss.py (admin pages). Here each world is the scored paper
campaign whose targets, units and categories carry payloads, with twenty more targets
named by the world's twenty payloads (unranked: listed apart), twenty comments and twenty
rectification problems (titles, descriptions, red/black list notes) holding them too, its
run frozen, signed and published. Every leader, ledger, publishing and public page is parsed
(``injected_markup``: no element, handler, style or script URL a value added; chart figures
travel in JSON data blocks, which must not be broken out of), every value must be visible as
text, the PDF report must still render, and no cell of the workbooks may start a formula.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from surveys.models import Category, Honour, ProblemSource, PublicPage, Role, Target, Unit
from surveys.services import organisation, problems, publishing
from tests.builders import PAPER_BALLOTS, build_campaign
from tests.conftest import NOW
from tests.jobs_support import export
from tests.web.dom_safety import injected_markup, shown_values
from tests.web.results_support import comment_on, store_run
from tests.xss_payloads import WORLDS

KW = {"now": NOW, "actor_id": None}


def build_world(session, p: list[str], leader_id: int, organiser_id: int) -> dict:
    """The paper campaign dressed in the payloads ``p``, scored and published. Commits."""
    ids = build_campaign(session, PAPER_BALLOTS)
    campaign_id = ids["campaign"]
    paper = list(session.scalars(select(Target).where(Target.campaign_id == campaign_id).order_by(Target.code)))
    for n, target in enumerate(paper):
        target.name = p[n][:100]
    for n, unit in enumerate(session.scalars(select(Unit).order_by(Unit.id))):
        unit.name = p[(n + 6) % len(p)][:100]
    for n, category in enumerate(session.scalars(select(Category).where(Category.campaign_id == campaign_id))):
        category.name = p[(n + 10) % len(p)][:50]
    unit_id = paper[0].unit_id
    extra = [
        organisation.save_target(
            session,
            campaign_id,
            {"code": f"X{n:03d}", "name": text[:100], "kind": "person", "category": paper[0].category.name,
             "unit_id": unit_id},
            **KW,
        )
        for n, text in enumerate(p)
    ]  # fmt: skip
    session.commit()
    comment_on(session, paper[0].id, p)
    filed = []
    for n, text in enumerate(p):
        fields = problems.ProblemFields(
            text[:200] or "空", p[(n + 1) % len(p)], date(2026, 4, 1), target_id=paper[0].id
        )
        problem = problems.file_problem(session, campaign_id, fields, ProblemSource.HOTLINE, today=NOW.date(), **KW)
        problems.set_honour(session, problem.id, Honour.BLACK, p[(n + 2) % len(p)][:200], **KW)
        filed.append(problem)
    session.commit()
    run = store_run(session, campaign_id)
    publishing.freeze_run(session, run.id, now=NOW, actor_id=organiser_id)
    publishing.sign_run(session, run.id, now=NOW, actor_id=leader_id)
    publishing.publish_run(session, run.id, now=NOW, actor_id=organiser_id)
    session.commit()
    return {"campaign": campaign_id, "run": run.id, "paper": paper, "extra": extra, "problems": filed}


def pages_of(session, world) -> dict[str, str]:
    c, a1 = world["campaign"], world["paper"][0].id
    token = session.scalar(select(PublicPage.token))
    return {
        "results ranking": f"/results/campaigns/{c}",
        "results charts": f"/results/campaigns/{c}/charts",
        "results drill-down": f"/results/campaigns/{c}/targets/{a1}",
        "results drill-down (second)": f"/results/campaigns/{c}/targets/{world['paper'][1].id}",
        "scoring run": f"/admin/campaigns/{c}/runs",
        "scoring target": f"/admin/campaigns/{c}/runs/targets/{a1}",
        "publishing": f"/publishing/campaigns/{c}",
        "ledger": f"/ledger/campaigns/{c}",
        "ledger honours": f"/ledger/campaigns/{c}/honours",
        "ledger comments": f"/ledger/campaigns/{c}/comments?target={a1}",
        **{f"problem {n}": f"/ledger/problems/{p.id}" for n, p in enumerate(world["problems"])},
        "public": f"/public/{token}",
    }


def values_shown(world, p: list[str]) -> list[str]:
    problems_text = [v for q in world["problems"] for v in (q.title, q.description, q.honour_note)]
    return [t.name for t in world["paper"] + world["extra"]] + list(p) + problems_text


@pytest.mark.parametrize("world_number", range(len(WORLDS)))
def test_every_payload_is_escaped_on_results_reports_and_ledger_pages(app, client, session, make_user, sign_in,
                                                                     world_number):  # fmt: skip
    payloads = WORLDS[world_number]
    leader, organiser = make_user(Role.LEADER, "xss-leader"), make_user(Role.ORGANISER, "xss-organiser")
    world = build_world(session, payloads, leader.id, organiser.id)
    sign_in(client, Role.ADMIN, username="xss-admin")
    public = app.test_client()
    shown = ""
    for name, url in pages_of(session, world).items():
        response = (public if name == "public" else client).get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.get_data(as_text=True)
        assert injected_markup(html) == [], f"{name}: {injected_markup(html)[:5]}"
        shown += shown_values(html)
    missing = [value for value in values_shown(world, payloads) if value.strip() and value not in shown]
    assert missing == [], f"shown nowhere (dropped or mangled): {missing[:5]}"

    pdf = export(client, f"/reports/campaigns/{world['campaign']}/report.pdf")
    assert pdf.data.startswith(b"%PDF")
    for url in (
        f"/reports/campaigns/{world['campaign']}/results.xlsx",
        f"/ledger/campaigns/{world['campaign']}/ledger.xlsx",
    ):
        book = load_workbook(io.BytesIO(export(client, url).data))
        formulas = [
            cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
        ]
        assert formulas == [], (url, formulas[:5])

"""Two hundred XSS payloads through every field that is shown back: escaped on every page.

Each field of each kind of object (units, campaigns, targets, questionnaires and items,
rounds and rater groups, components, users) receives every payload once, spread over ten
worlds of twenty objects. Every page that shows them is parsed: no payload may add an
element, an event handler, a style or a script URL (tests/web/dom_safety.py), and each value
must be visible as text, so it was escaped rather than dropped. Exports are checked for
spreadsheet formulas.

To cover a new page, add its URL to ``pages_of``; a new field, to ``build_world`` and
``FIELDS`` (the lead adds problem texts and leader result pages after merging).
"""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select

from evalsite.keys import code_keys
from surveys import codes as code_format
from surveys.cells import FORMULA_STARTS
from surveys.models import Item, RaterGroup, Role, Round, Target, User
from surveys.services import campaigns, issuing, organisation, questionnaires, rounds, users
from tests.builders import build_campaign
from tests.conftest import NOW
from tests.web.dom_safety import injected_markup, shown_values
from tests.xss_payloads import PAYLOADS, WORLDS

STRONG = "Xq9-harbour-lamp"


def build_world(session, p: list[str], app) -> dict:
    """One campaign whose every shown field holds a payload of ``p`` (cut to the field's length)."""
    kw = {"now": NOW, "actor_id": None}
    n = len(p)
    units = [organisation.save_unit(session, p[i][:100], None, **kw) for i in range(n)]
    campaign = campaigns.save_campaign(session, p[0][:120], 2026, p[1], **kw)
    others = [campaigns.save_campaign(session, p[i][:120], 2025, p[(i + 1) % n], **kw) for i in range(1, n)]
    targets = [
        organisation.save_target(
            session,
            campaign.id,
            {
                "code": p[(i + 3) % n][:29] + f"{i:03d}",
                "name": p[i][:100],
                "title": p[(i + 1) % n][:100],
                "kind": "person",
                "category": p[(i + 2) % n][:50],
                "unit_id": units[i].id,
            },
            **kw,
        )
        for i in range(n)
    ]
    q = questionnaires.create_questionnaire(session, campaign.id, p[4][:100], "five", with_unknown=True, **kw)
    for i in range(n):
        questionnaires.save_item(session, q.id, p[(i + 5) % n][:29] + f"{i:03d}", p[i][:300], 1.0, **kw)
    round_ = rounds.save_round(
        session,
        campaign.id,
        {
            "name": p[6][:60],
            "kind": "external",
            "questionnaire_id": q.id,
            "opens_on": date(2026, 3, 1),
            "closes_on": date(2026, 3, 31),
        },
        **kw,
    )
    groups = [
        rounds.save_group(session, round_.id, {"name": p[i][:50], "weight": 1.0, "min_ballots": 5}, **kw)
        for i in range(n)
    ]
    campaigns.save_component(
        session, campaign.id, {"name": p[7][:50], "kind": "round", "round_id": round_.id, "weight": 1.0}, **kw
    )
    accounts = [
        users.create_user(session, p[i][:64], STRONG, Role.LEADER, display_name=p[(i + 9) % n][:100], **kw)
        for i in range(n)
        if p[i][:64].strip()
        and session.scalar(select(User.id).where(func.lower(User.username) == p[i][:64].strip().lower())) is None
    ]
    rounds.open_round(session, round_.id, **kw)
    with app.app_context():
        keys = code_keys()
    batch, issued = issuing.issue_batch(session, round_.id, groups[0].id, 2, keys, now=NOW, actor_id=None)
    session.commit()
    return {
        "campaign": campaign,
        "others": others,
        "units": units,
        "targets": targets,
        "questionnaire": q,
        "round": round_,
        "groups": groups,
        "users": accounts,
        "batch": batch,
        "code": code_format.display(issued[0]),
    }


def pages_of(world) -> dict[str, tuple[str, str, dict | None]]:
    """Name → (method, URL, form data) of every page that shows a field of the world."""
    c, r, q = world["campaign"], world["round"], world["questionnaire"]
    pages = {
        "campaign list": ("GET", "/admin/", None),
        "campaign": ("GET", f"/admin/campaigns/{c.id}", None),
        "campaign edit form": ("GET", f"/admin/campaigns/{c.id}/edit", None),
        "targets": ("GET", f"/admin/campaigns/{c.id}/targets", None),
        "target edit form": ("GET", f"/admin/targets/{world['targets'][1].id}/edit", None),
        "units": ("GET", "/admin/units", None),
        "unit edit form": ("GET", f"/admin/units/{world['units'][2].id}/edit", None),
        "questionnaire": ("GET", f"/admin/questionnaires/{q.id}", None),
        "round": ("GET", f"/admin/rounds/{r.id}", None),
        "round codes": ("GET", f"/admin/rounds/{r.id}/codes", None),
        "code batch": ("GET", f"/admin/batches/{world['batch'].id}", None),
        "group edit form": ("GET", f"/admin/groups/{world['groups'][3].id}/edit", None),
        "scoring": ("GET", f"/admin/campaigns/{c.id}/scoring", None),
        "users": ("GET", "/admin/users", None),
        "audit log": ("GET", "/admin/audit", None),
        "public rating form": ("POST", "/r", {"code": world["code"]}),
        "duplicate target refused": (
            "POST",
            f"/admin/campaigns/{c.id}/targets/new",
            {
                "code": world["targets"][0].code,
                "name": "x",
                "kind": "person",
                "category": "x",
                "unit_id": str(world["units"][0].id),
            },
        ),
    }
    if world["users"]:
        pages["user"] = ("GET", f"/admin/users/{world['users'][0].id}", None)
    return pages


def fields_shown(world) -> list[str]:
    """Every stored value of the world, as the pages must show it."""
    values = [world["campaign"].name, world["campaign"].description, world["questionnaire"].name, world["round"].name]
    values += [c.name for c in world["others"]] + [u.name for u in world["units"]]
    for t in world["targets"]:
        values += [t.code, t.name, t.title, t.category.name]
    values += [i.text for i in world["questionnaire"].items] + [i.code for i in world["questionnaire"].items]
    values += [g.name for g in world["groups"]] + [c.name for c in world["campaign"].components]
    values += [u.username for u in world["users"]] + [u.display_name for u in world["users"]]
    return values


@pytest.mark.parametrize("world_number", range(len(WORLDS)))
def test_every_payload_is_escaped_on_every_page(app, client, session, sign_in, world_number):
    world = build_world(session, WORLDS[world_number], app)
    public = app.test_client()
    sign_in(client, Role.ADMIN, username="xss-admin")
    shown = ""
    for name, (method, url, data) in pages_of(world).items():
        response = (public if name.startswith("public") else client).open(url, method=method, data=data)
        assert response.status_code < 500, name
        html = response.get_data(as_text=True)
        assert injected_markup(html) == [], f"{name}: {injected_markup(html)[:5]}"
        shown += shown_values(html)
    missing = [value for value in fields_shown(world) if value not in shown]
    assert missing == [], f"shown nowhere (dropped or mangled): {missing[:5]}"


def test_a_leader_sees_campaign_names_escaped_on_the_home_page(app, client, session, sign_in):
    world = build_world(session, WORLDS[0], app)
    sign_in(client, Role.LEADER, username="xss-leader")
    html = client.get("/").get_data(as_text=True)
    assert injected_markup(html) == []
    assert world["campaign"].name in shown_values(html)


def test_ballot_exports_never_start_a_cell_with_a_formula(runner, session, tmp_path):
    """Round and group names, target and item codes go into the CSV; none may run in Excel."""
    ids = build_campaign(session)
    formulas = [p for p in PAYLOADS if p.strip().startswith(FORMULA_STARTS)]
    assert len(formulas) >= 5
    session.get(Round, ids["round"]).name = formulas[0][:60]
    for n, group in enumerate(session.scalars(select(RaterGroup).where(RaterGroup.round_id == ids["round"]))):
        group.name = formulas[(1 + n) % len(formulas)][:50]
    for n, target in enumerate(session.scalars(select(Target))):
        target.code = formulas[(2 + n) % len(formulas)][:29] + f"{n:03d}"
    for n, item in enumerate(session.scalars(select(Item))):
        item.code = formulas[(3 + n) % len(formulas)][:29] + f"{n:03d}"
    session.commit()
    path = tmp_path / "ballots.csv"
    result = runner.invoke(args=["export-ballots", str(ids["round"]), "--csv", str(path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert {row[1] for row in rows[1:]} == {"'" + formulas[0][:60]}

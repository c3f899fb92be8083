"""Scoring pages: run the scoring, stored runs and their breakdown, rules, vetoes, sheets.

Stored runs hold unsuppressed figures (``save_run``); these pages hide every group or item
figure over fewer ballots than the run's own suppression threshold before showing it.
Runs are addressed as ``?run=<id>`` under their campaign, so every route takes only ids
that exist for any campaign (the latest run is the default, and "no run yet" is a page).
"""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from evalsite import jobs
from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.base import choices
from evalsite.forms.scoring import RevokeForm, RulesForm, SheetForm, VetoForm, bands_text, parse_bands
from evalsite.i18n import error_text, translate
from evalsite.scoring_text import FIELD_LABELS, helpers
from evalsite.views.admin import actor, bp, query_int
from surveys.errors import DomainError, NotFound
from surveys.i18n import N_
from surveys.models import Campaign, Component, ComponentKind, JobKind, RankScope, ScoringRun, Target, Veto
from surveys.scoring.compare import compare_runs
from surveys.scoring.display import shown
from surveys.services import honour_lists, listings, score_sheets, scoring_rules, vetoes
from surveys.services.ledger import problems_for_target
from surveys.services.lookup import get
from surveys.services.scoring_runs import latest_run, load_rules


@bp.get("/campaigns/<int:campaign_id>/scoring")
@role_required(*ORGANISERS)
def scoring(campaign_id: int):
    """The latest stored run's ranking and integrity figures, and the rules, vetoes and sheets."""
    return _scoring_page(campaign_id)


@bp.post("/campaigns/<int:campaign_id>/scoring/run")
@role_required(*ORGANISERS)
def run_scoring(campaign_id: int):
    """Score the campaign in the background and store the run; the job's page leads to it.

    A round still open, or a campaign without components, fails the job with the reason.
    """
    campaign = get(get_session(), Campaign, campaign_id)
    return jobs.start(JobKind.SCORING, N_("计分：%(name)s"), {"campaign_id": campaign.id}, name=campaign.name)


@bp.post("/campaigns/<int:campaign_id>/scoring/rules")
@role_required(*ORGANISERS)
def save_scoring_rules(campaign_id: int):
    """Save the grade bands, top-N / bottom-N and anonymity rules; they apply from the next run."""
    db = get_session()
    form = RulesForm()
    if not form.validate_on_submit():
        return _scoring_page(campaign_id, rules_form=form)
    fields = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    fields["grade_bands"] = parse_bands(form.grade_bands.data)
    fields["rank_scope"] = RankScope(form.rank_scope.data)
    scoring_rules.save_rules(db, get(db, Campaign, campaign_id).id, fields, **actor())
    db.commit()
    flash(_("计分规则已保存，下次计分时生效"))
    return redirect(url_for("admin.scoring", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/vetoes")
@role_required(*ORGANISERS)
def record_veto(campaign_id: int):
    """Record a veto (一票否决) against a target, with its reason."""
    db = get_session()
    form = _veto_form(db, get(db, Campaign, campaign_id), VetoForm())
    if not form.validate_on_submit():
        return _scoring_page(campaign_id, veto_form=form)
    vetoes.record_veto(db, campaign_id, form.target_id.data, form.reason.data, **actor())
    db.commit()
    flash(_("已记录一票否决，下次计分时生效"))
    return redirect(url_for("admin.scoring", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/vetoes/revoke")
@role_required(*ORGANISERS)
def revoke_veto(campaign_id: int):
    """Withdraw a veto recorded in error; the audit log keeps it."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    veto = db.get(Veto, form.veto_id.data)
    if veto is None or veto.campaign_id != campaign.id:
        raise NotFound(N_("一票否决记录不存在"))
    vetoes.revoke_veto(db, veto.id, **actor())
    db.commit()
    flash(_("已撤销一票否决，下次计分时生效"))
    return redirect(url_for("admin.scoring", campaign_id=campaign_id))


@bp.post("/components/<int:component_id>/scores")
@role_required(*ORGANISERS)
def upload_scores(component_id: int):
    """Replace an imported component's scores with a sheet: every row, or — if any is bad — none."""
    db = get_session()
    component = get(db, Component, component_id)
    form = SheetForm()
    if not form.validate_on_submit():
        return _scoring_page(component.campaign_id, sheet_form=(component.id, form))
    upload = form.file.data
    try:
        result = score_sheets.import_score_sheet(
            db, component.id, upload.filename or "", upload.read(), max_score=form.max_score.data, **actor()
        )
    except DomainError as rejected:
        db.rollback()
        problems = [(p.line, translate(p.reason, p.params)) for p in getattr(rejected, "problems", [])]
        refusal = (component_id, error_text(rejected), problems)
        return _scoring_page(component.campaign_id, sheet_form=(component_id, form), sheet_refusal=refusal)
    db.commit()
    flash(_("已导入 %(n)d 个评议对象的得分", n=result.scores))
    return redirect(url_for("admin.scoring", campaign_id=component.campaign_id))


@bp.get("/campaigns/<int:campaign_id>/runs")
@role_required(*ORGANISERS)
def scoring_run(campaign_id: int):
    """One stored run (``?run=<id>``, else the latest): digest, configuration, ranking, changes."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    run = requested_run(db, campaign.id)
    previous = listings.run_before(db, run) if run else None
    return render_template(
        "admin/scoring_run.html",
        campaign=campaign,
        run=run,
        view=shown(run.result) if run else None,
        runs=listings.runs_of(db, campaign.id),
        previous=previous,
        comparison=compare_runs(previous.result, run.result) if previous else None,
        target_ids=listings.target_ids_by_code(db, campaign.id),
        field_labels=FIELD_LABELS,
        **helpers(),
    )


@bp.get("/campaigns/<int:campaign_id>/runs/targets/<int:target_id>")
@role_required(*ORGANISERS)
def scoring_target(campaign_id: int, target_id: int):
    """A target's breakdown in a stored run: component → group → item, with weights and n."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    target = get(db, Target, target_id)
    if target.campaign_id != campaign.id:
        raise NotFound(N_("评议对象不属于该评议活动"))
    run = requested_run(db, campaign.id)
    view = shown(run.result) if run else None
    entry = next((t for t in view["targets"] if t["code"] == target.code), None) if view else None
    return render_template(
        "admin/scoring_target.html",
        campaign=campaign,
        target=target,
        run=run,
        entry=entry,
        view=view,
        target_problems=problems_for_target(db, target.id),
        **helpers(),
    )


def requested_run(db, campaign_id: int) -> ScoringRun | None:
    """The run asked for with ``?run=``, which must belong to the campaign, else the latest."""
    run_id = query_int("run")
    if run_id is None:
        return latest_run(db, campaign_id)
    run = db.get(ScoringRun, run_id)
    if run is None or run.campaign_id != campaign_id:
        raise NotFound(N_("对象不存在"))
    return run


def _scoring_page(campaign_id: int, *, rules_form=None, veto_form=None, sheet_form=None, sheet_refusal=None):
    """The scoring page; 400 when it shows a refused form."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    run = latest_run(db, campaign.id)
    saved_rules = load_rules(db, campaign.id)
    if rules_form is None:
        current = asdict(saved_rules)
        current["grade_bands"] = bands_text(current["grade_bands"])
        rules_form = RulesForm(formdata=None, **current)
    imported = [c for c in campaign.components if c.kind is ComponentKind.IMPORTED]
    sheet_forms = {c.id: SheetForm(formdata=None) for c in imported}
    if sheet_form is not None:
        sheet_forms[sheet_form[0]] = sheet_form[1]
    is_refused = any(f is not None for f in (veto_form, sheet_refusal)) or rules_form.errors or sheet_form
    html = render_template(
        "admin/scoring.html",
        campaign=campaign,
        run=run,
        view=shown(run.result) if run else None,
        rules_form=rules_form,
        rules_notes=[r.to_dict() for r in scoring_rules.shortfalls(db, campaign.id, saved_rules)],
        honour_lists=[
            (row, [r.to_dict() for r in honour_lists.shortfalls(db, row, saved_rules)])
            for row in honour_lists.list_lists(db, campaign.id)
        ],
        veto_form=veto_form or _veto_form(db, campaign, VetoForm(formdata=None)),
        vetoes=vetoes.list_vetoes(db, campaign.id),
        imported=imported,
        sheet_forms=sheet_forms,
        sheet_refusal=sheet_refusal,
        template_header="、".join(score_sheets.TEMPLATE_HEADER),
        **helpers(),
    )
    return html, 400 if is_refused else 200


def _veto_form(db, campaign: Campaign, form: VetoForm) -> VetoForm:
    targets = listings.target_choices(db, campaign.id)
    form.target_id.choices = choices([(tid, f"{code} {name}") for tid, code, name in targets])
    return form

"""The selector part that the admin forms share: choices, posted values, words."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from evalsite.selectors import fill_selector_choices, selector_field, selector_from, selector_label
from surveys.models import TargetKind
from surveys.selectors import TargetSelector
from surveys.services import organisation
from tests.conftest import NOW


class ExampleForm(FlaskForm):
    selector = selector_field("适用范围")


def test_the_selector_part_offers_the_campaigns_categories_and_units_and_reads_the_post(app, session, make_campaign):
    campaign = make_campaign()
    organisation.save_unit(session, "不相干单位", None, now=NOW, actor_id=None)
    session.commit()
    category = campaign.categories[1]
    unit_id = campaign.targets[0].unit_id
    posted = MultiDict({"selector-kind": "person", "selector-category_id": str(category.id), "selector-unit_id": ""})
    with app.test_request_context("/", method="POST"):
        form = ExampleForm(formdata=posted)
        fill_selector_choices(form.selector, session, campaign.id)
        assert [c.label for c in form.selector.unit_id.choices][1:] == ["2026年度评议-单位"]
        assert [c.label for c in form.selector.category_id.choices][1:] == ["综合管理", "行政执法"]
        assert form.validate(), form.errors
        assert selector_from(form.selector) == TargetSelector(TargetKind.PERSON, category.id, None)
        assert selector_label(selector_from(form.selector).describe(category.name)) == "个人 · 行政执法"
        assert selector_label(TargetSelector().describe()) == "全部对象"

        bad = ExampleForm(
            formdata=MultiDict({"selector-kind": "building", "selector-unit_id": "999999", "selector-category_id": "x"})
        )
        fill_selector_choices(bad.selector, session, campaign.id)
        assert not bad.validate()
        assert set(bad.errors["selector"]) == {"kind", "category_id", "unit_id"}, bad.errors
    with app.test_request_context("/"):
        stored = ExampleForm(
            formdata=None, obj=type("Stored", (), {"selector": TargetSelector(TargetKind.WINDOW, None, unit_id)})()
        )
        fill_selector_choices(stored.selector, session, campaign.id)
        assert stored.selector.kind.data == "window" and stored.selector.unit_id.data == unit_id
        assert stored.selector.category_id.data is None
        assert '<option selected value="">' in str(stored.selector.category_id)


def test_the_selector_words_follow_the_language(app):
    with app.test_request_context("/"):
        from flask import session as web_session

        web_session["lang"] = "en"
        assert selector_label(TargetSelector(TargetKind.WINDOW).describe()) != "窗口"

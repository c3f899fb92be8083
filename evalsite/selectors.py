"""Target selectors on the web: one form part every admin form embeds, and its words.

The form of a rater group, a component or an honour list adds ``selector =
FormField(SelectorForm, label=...)``; the view fills the choices with `fill_selector_choices`
and hands `selector_from(form.selector)` to its service, which checks the selector matches
at least one target (`surveys.selectors.require_targets`). Posted names are
``selector-kind``, ``selector-category_id`` and ``selector-unit_id``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import Form, FormField, SelectChoice, SelectField

from evalsite.i18n import error_text
from surveys.errors import DomainError
from surveys.i18n import MsgId
from surveys.models import Campaign, TargetKind
from surveys.selectors import EVERY_TARGET, KIND_LABELS, SelectorMatchesNothing, TargetSelector
from surveys.services.lookup import get
from surveys.services.organisation import campaign_units

#: How the parts of a selector's description are joined: 窗口 · 社会服务 · 县税务局.
SEPARATOR = " · "


def _kind_value(value) -> str | None:
    """A stored TargetKind (editing) or a posted value, as the select's value (None = any)."""
    return value.value if isinstance(value, TargetKind) else (value or None)


def _optional_id(value) -> int | None:
    """A stored id or a posted value, as the select's value (None = any)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: the select refuses it


class SelectorForm(Form):
    """Kind, category and unit of a target selector; each may be left at "any" (posted empty)."""

    kind = SelectField(
        _l("类型"),
        coerce=_kind_value,
        choices=[SelectChoice("", _l("全部类型"))]
        + [SelectChoice(kind.value, _l(label)) for kind, label in KIND_LABELS.items()],
    )
    category_id = SelectField(_l("类别"), coerce=_optional_id)
    unit_id = SelectField(_l("单位"), coerce=_optional_id)


def selector_field(label) -> FormField:
    """The selector part of a form, under ``label`` (e.g. 评议范围, 适用范围)."""
    return FormField(SelectorForm, label=label, separator="-")


def fill_selector_choices(field: FormField, session: Session, campaign_id: int) -> None:
    """The campaign's categories (in their order) and units (by pinyin) as choices."""
    campaign = get(session, Campaign, campaign_id)
    field.category_id.choices = [SelectChoice("", _l("全部类别"))] + [
        SelectChoice(category.id, category.name) for category in campaign.categories
    ]
    field.unit_id.choices = [SelectChoice("", _l("全部单位"))] + [
        SelectChoice(unit.id, unit.name) for unit in campaign_units(session, campaign_id)
    ]


def selector_from(field: FormField) -> TargetSelector:
    """The posted selector (after the form validated)."""
    return TargetSelector.of(field.kind.data, field.category_id.data, field.unit_id.data)


def show_refusal(form, refused: DomainError) -> None:
    """Show a service's refusal on the form that was sent: by the selector when it is about
    the selector (it matches nothing), else above the form."""
    selector = getattr(form, "selector", None)
    if isinstance(refused, SelectorMatchesNothing) and selector is not None:
        selector.form.form_errors.append(error_text(refused))
    else:
        form.form_errors.append(error_text(refused))


def selector_label(value) -> str:
    """Template filter: a selector in words, e.g. "窗口 · 社会服务 · 县税务局" or "全部对象".

    ``value``: a model with a selector (its stored names are used), or the list of parts
    that `TargetSelector.describe` returns.
    """
    parts = value.selector_description if hasattr(value, "selector_description") else value
    if not parts:
        parts = [EVERY_TARGET]
    return SEPARATOR.join(gettext(part) if isinstance(part, MsgId) else part for part in parts)


def init_app(app: Flask) -> None:
    app.add_template_filter(selector_label)

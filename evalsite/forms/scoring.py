"""Form shapes of the scoring pages: rules, vetoes, imported score sheets.

As in ``forms.admin``, the services hold the rules; these only check types and presence.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from evalsite.forms.base import label_choices
from evalsite.selectors import selector_field
from surveys import labels


class RulesForm(FlaskForm):
    top_n = IntegerField(_l("十佳名额"), validators=[InputRequired()])
    bottom_n = IntegerField(_l("末位名额"), validators=[InputRequired()])
    rank_scope = SelectField(_l("十佳与末位的范围"), choices=label_choices(labels.RANK_SCOPE))
    bottom_threshold = FloatField(_l("末位分数线（可空）"), validators=[Optional()])
    top_min_ballots = IntegerField(_l("十佳最少有效票数"), validators=[InputRequired()])
    top_min_grade = StringField(_l("十佳的最低等次（可空）"), validators=[Optional(), Length(max=20)])
    grade_bands = TextAreaField(
        _l("等次（每行一档：分数线 名称，从高到低，最低一档为 0）"), validators=[DataRequired(), Length(max=1000)]
    )
    shrinkage_m = FloatField(_l("收缩强度（可空）"), validators=[Optional()])
    suppress_below = IntegerField(_l("隐藏阈值（少于该票数的汇总不显示）"), validators=[InputRequired()])
    burst_per_day = IntegerField(_l("单日集中使用阈值"), validators=[InputRequired()])


def bands_text(bands) -> str:
    """Grade bands as the form shows them: one ``bound label`` per line."""
    return "\n".join(f"{float(bound):g} {label}" for bound, label in bands)


def parse_bands(text: str) -> list:
    """The form's lines back into ``[[bound, label], ...]``; the service checks the values.

    A line without a space becomes ``[line, ""]`` so that the service refuses it with its
    own message rather than the form guessing.
    """
    bands = []
    for line in text.splitlines():
        if line.strip():
            bound, _sep, label = line.strip().partition(" ")
            bands.append([bound, label.strip()])
    return bands


class VetoForm(FlaskForm):
    target_id = SelectField(_l("评议对象"), coerce=int)
    reason = StringField(_l("否决理由"), validators=[DataRequired(), Length(max=300)])


class RevokeForm(FlaskForm):
    veto_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class SheetForm(FlaskForm):
    file = FileField(_l("CSV 或 XLSX 文件"), validators=[FileRequired()])
    max_score = FloatField(_l("默认满分"), default=100.0, validators=[InputRequired()])


class HonourListForm(FlaskForm):
    """An honour list (排名名单): its name, its targets and its own 十佳 / 末位 rules."""

    name = StringField(_l("名单名称（如 十佳单位）"), validators=[DataRequired(), Length(max=50)])
    selector = selector_field(_l("适用范围（名单包含的评议对象）"))
    top_n = IntegerField(_l("十佳名额"), default=10, validators=[InputRequired()])
    top_scope = SelectField(_l("十佳的范围"), choices=label_choices(labels.HONOUR_LIST_SCOPE))
    top_min_ballots = IntegerField(_l("十佳最少有效票数"), default=0, validators=[InputRequired()])
    top_min_grade = StringField(_l("十佳的最低等次（可空）"), validators=[Optional(), Length(max=20)])
    bottom_n = IntegerField(_l("末位名额"), default=0, validators=[InputRequired()])
    bottom_scope = SelectField(_l("末位的范围"), choices=label_choices(labels.HONOUR_LIST_SCOPE))
    bottom_threshold = FloatField(_l("末位分数线（可空，只在低于该分的对象中定末位）"), validators=[Optional()])

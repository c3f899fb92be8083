"""Form shapes of the rectification ledger; the services hold the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, FloatField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from evalsite.forms.base import choices
from surveys.errors import DomainError
from surveys.i18n import N_


class ProblemForm(FlaskForm):
    """Filing by hand: an inspection, an unannounced visit, a hotline call."""

    source = SelectField(
        _l("来源"),
        choices=choices(
            [
                ("inspection", _l("督查检查")),
                ("unannounced", _l("明察暗访")),
                ("hotline", _l("12345热线")),
                ("other", _l("其他")),
            ]
        ),
    )
    unit_id = SelectField(_l("责任单位"), coerce=int)
    target_id = SelectField(_l("评议对象（可空）"), coerce=int, validators=[Optional()])
    title = StringField(_l("问题标题"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("问题描述"), validators=[Optional(), Length(max=5000)])
    deadline_on = DateField(_l("整改期限"), validators=[InputRequired()])


class QuotedProblemForm(FlaskForm):
    """Filing from raters' comments or a low item: the target is already chosen."""

    target_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    title = StringField(_l("问题标题"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("问题描述"), validators=[Optional(), Length(max=5000)])
    deadline_on = DateField(_l("整改期限"), validators=[InputRequired()])


class CommentsProblemForm(QuotedProblemForm):
    comment_ids = SelectMultipleField(
        _l("评议意见"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), validate_choice=False
    )


class LowItemProblemForm(QuotedProblemForm):
    component = StringField(widget=HiddenInput(), validators=[DataRequired(), Length(max=50)])
    code = StringField(widget=HiddenInput(), validators=[DataRequired(), Length(max=32)])
    below = FloatField(widget=HiddenInput(), validators=[InputRequired()])


class ReportForm(FlaskForm):
    text = TextAreaField(_l("整改情况"), validators=[DataRequired(), Length(max=5000)])
    files = MultipleFileField(_l("附件（图片或 PDF，可多选）"))


class VerifyForm(FlaskForm):
    #: Starts unchosen: 满意 and 基本满意 close the problem for good (销号), so never by default.
    verdict = SelectField(
        _l("核验结论"),
        choices=choices(
            [
                ("", _l("请选择")),
                ("satisfied", _l("满意")),
                ("basically_satisfied", _l("基本满意")),
                ("unsatisfied", _l("不满意")),
            ]
        ),
        validators=[InputRequired()],
    )
    text = TextAreaField(_l("核验意见"), validators=[Optional(), Length(max=5000)])
    deadline_on = DateField(_l("新的整改期限"), description=_l("选择“不满意”时必填"), validators=[Optional()])


class WithdrawForm(FlaskForm):
    reason = StringField(_l("撤销理由"), validators=[DataRequired(), Length(max=300)])


class HonourForm(FlaskForm):
    honour = SelectField(
        _l("红黑榜"),
        choices=choices([("", _l("不上榜")), ("red", _l("红榜（整改典型）")), ("black", _l("黑榜（整改不力）"))]),
    )
    note = StringField(_l("上榜理由"), validators=[Optional(), Length(max=200)])


def refusal(form: FlaskForm, missing: str) -> DomainError:
    """Why ``form`` failed validation, as a DomainError naming the field at fault.

    The first field with errors, in the form's order, decides: typed text that is not a
    date, or text longer than its ``Length``; anything else means the required choice or
    text was not given, told by ``missing`` (a msgid). WTForms' own messages are not shown:
    they name no field and are not in our catalogue.
    """
    for field in form:
        if not field.errors:
            continue
        if isinstance(field, DateField) and any(field.raw_data or ()):
            return DomainError(N_("%(field)s不是有效的日期"), field=field.label.text)
        limit = next((v.max for v in field.validators if isinstance(v, Length) and v.max >= 0), None)
        if limit is not None and len(field.data or "") > limit:
            return DomainError(N_("%(field)s不能超过 %(n)d 个字符"), field=field.label.text, n=limit)
        break
    return DomainError(missing)

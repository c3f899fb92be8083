"""Form shapes for issuing code batches and registering window terminals.

Choices (groups, units) are filled in by the view; which targets, units and groups belong
to the round is the issuing service's rule, not the form's.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from surveys.models import BatchScope
from surveys.services.issuing import MAX_BATCH

#: How long a terminal's codes stay valid: one minute to thirty days, as the service allows.
MAX_TTL_MINUTES = 60 * 24 * 30


#: The scope choice that issues one batch per unit of the group's selector.
PER_UNIT = "per_unit"


class IssueForm(FlaskForm):
    group_id = SelectField(_l("评议主体"), coerce=int)
    count = IntegerField(_l("数量"), default=100, validators=[InputRequired(), NumberRange(1, MAX_BATCH)])
    scope = SelectField(
        _l("评议范围"),
        choices=[
            SelectChoice(BatchScope.ROUND.value, _l("评议主体范围内的全部评议对象")),
            SelectChoice(BatchScope.UNIT.value, _l("一个单位的评议对象")),
            SelectChoice(BatchScope.TARGET.value, _l("一个评议对象")),
            SelectChoice(PER_UNIT, _l("每个单位一批（数量为每个单位的评议码数）")),
        ],
        default=BatchScope.ROUND.value,
    )
    unit_id = SelectField(_l("单位（按单位发放时）"), coerce=int, validators=[Optional()])
    target_code = StringField(_l("评议对象编号（按对象发放时）"), validators=[Optional(), Length(max=32)])
    label = StringField(_l("备注（如发放地点、经办人）"), validators=[Optional(), Length(max=100)])

    def validate(self, extra_validators=None) -> bool:
        """The unit or the target code must be given when the scope asks for it."""
        if not super().validate(extra_validators):
            return False
        if self.scope.data == BatchScope.UNIT.value and not self.unit_id.data:
            self.unit_id.errors.append(_l("请选择单位"))
            return False
        if self.scope.data == BatchScope.TARGET.value and not (self.target_code.data or "").strip():
            self.target_code.errors.append(_l("请填写评议对象编号"))
            return False
        return True


class TerminalForm(FlaskForm):
    name = StringField(_l("终端名称（如 3 号窗口）"), validators=[DataRequired(), Length(max=100)])
    target_code = StringField(_l("评议对象编号"), validators=[DataRequired(), Length(max=32)])
    group_id = SelectField(_l("评议主体"), coerce=int)
    ttl_minutes = IntegerField(
        _l("评议码有效期（分钟）"), validators=[InputRequired(), NumberRange(1, MAX_TTL_MINUTES)]
    )

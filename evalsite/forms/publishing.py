"""Form shapes of the publishing pages: which run to move, and why a run is withdrawn."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

MAX_ID = 2**31 - 1


class RunForm(FlaskForm):
    run_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(1, MAX_ID)])


class WithdrawForm(RunForm):
    reason = StringField(_l("撤回原因"), validators=[InputRequired(), Length(max=300)])

"""Form shapes of the admin pages: campaigns, units, targets, questionnaires, rounds, users.

Rules live in the services; forms only check types and presence.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from evalsite.forms.base import choices, label_choices
from evalsite.selectors import selector_field
from surveys import labels
from surveys.scales import PRESETS


class CampaignForm(FlaskForm):
    name = StringField(_l("活动名称"), validators=[DataRequired(), Length(max=120)])
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(2000, 2100)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class CloneForm(FlaskForm):
    name = StringField(_l("新活动名称"), validators=[DataRequired(), Length(max=120)])
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(2000, 2100)])


class UnitForm(FlaskForm):
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=100)])
    parent_id = SelectField(_l("上级单位"), coerce=int, validators=[Optional()])


class TargetForm(FlaskForm):
    code = StringField(_l("编号"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("类型"),
        choices=label_choices(labels.TARGET_KIND),
    )
    title = StringField(_l("职务"), validators=[Optional(), Length(max=100)])
    category = StringField(_l("类别"), validators=[DataRequired(), Length(max=50)])
    unit_id = SelectField(_l("所属单位"), coerce=int)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV 或 XLSX 文件"), validators=[FileRequired()])
    mode = SelectField(
        _l("导入方式"),
        choices=choices(
            [
                ("add", _l("新增：文件中的编号都应是新的")),
                ("update", _l("更新：按编号更新已有对象、新增其余（先预览）")),
            ]
        ),
        default="add",
    )


class ConfirmImportForm(FlaskForm):
    """The previewed file, carried to the confirmation unchanged (base64) with the plan's digest."""

    content = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[Length(max=200)])
    digest = HiddenField(validators=[DataRequired(), Length(max=64)])


class QuestionnaireForm(FlaskForm):
    name = StringField(_l("测评表名称"), validators=[DataRequired(), Length(max=100)])
    preset = SelectField(
        _l("评价等级"), choices=choices([(key, _l(title)) for key, (title, _levels) in PRESETS.items()])
    )
    with_unknown = BooleanField(_l("包含“不了解”选项（不计分）"), default=True)


class ItemForm(FlaskForm):
    code = StringField(_l("指标编号"), validators=[DataRequired(), Length(max=32)])
    text = StringField(_l("指标内容"), validators=[DataRequired(), Length(max=300)])
    weight = FloatField(_l("权重"), default=1.0, validators=[InputRequired()])


class RoundForm(FlaskForm):
    name = StringField(_l("轮次名称"), validators=[DataRequired(), Length(max=60)])
    kind = SelectField(
        _l("类型"),
        choices=label_choices(labels.ROUND_KIND),
    )
    questionnaire_id = SelectField(_l("测评表"), coerce=int, validators=[Optional()])
    opens_on = DateField(_l("开始日期"), validators=[InputRequired()])
    closes_on = DateField(_l("结束日期"), validators=[InputRequired()])
    is_open_round = BooleanField(_l("开放式轮次（张贴二维码，无需评议码）"))
    aggregation = SelectField(
        _l("汇总方法"),
        choices=label_choices(labels.AGGREGATION),
    )
    trim_k = IntegerField(_l("去掉最高、最低分各几个"), default=0, validators=[InputRequired(), NumberRange(0, 10)])
    is_strict = BooleanField(_l("严格模式：所有评议主体都须有足够票数"))


class GroupForm(FlaskForm):
    name = StringField(_l("评议主体名称"), validators=[DataRequired(), Length(max=50)])
    weight = FloatField(_l("权重"), validators=[InputRequired()])
    min_ballots = IntegerField(_l("最少有效票数"), default=5, validators=[InputRequired(), NumberRange(0, 100000)])
    is_required = BooleanField(_l("必需（缺少则不参与排名）"))
    is_public = BooleanField(_l("公众评议主体（接收开放式轮次的评议票）"))
    selector = selector_field(_l("评议范围：该主体的评议码可以评哪些对象（不选即全部）"))


class ComponentForm(FlaskForm):
    name = StringField(_l("组成名称"), validators=[DataRequired(), Length(max=50)])
    kind = SelectField(_l("来源"), choices=label_choices(labels.COMPONENT_KIND))
    round_id = SelectField(_l("轮次"), coerce=int, validators=[Optional()])
    weight = FloatField(_l("权重"), validators=[InputRequired()])
    #: What counts for whom: the targets this component scores (DESIGN §6a).
    selector = selector_field(_l("适用范围（只为这些评议对象计分）"))


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=100)])
    password = PasswordField(_l("初始密码（至少 10 个字符）"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        _l("角色"),
        choices=label_choices(labels.ROLE),
    )
    unit_id = SelectField(_l("所属单位（单位联络员）"), coerce=int, validators=[Optional()])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("临时密码（留空则自动生成）"), validators=[Optional(), Length(max=200)])

"""What every form module shares: editing a stored object, and select options."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice


def edit_form(form_cls, obj=None, **initial):
    """A form for editing ``obj``.

    A submitted form holds only what was posted: a field missing from the request is an
    error, never silently the stored value (which may be an enum or a related object).
    Shown before submitting, it holds ``obj``'s values with ``initial`` on top (for enums
    and related objects, which the form wants as plain values).
    """
    if request.method == "POST":
        return form_cls()
    return form_cls(obj=obj, **initial)


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs; WTForms 3.3 deprecates bare tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


def label_choices(table: dict) -> list[SelectChoice]:
    """Select options from a label table of ``surveys.labels``: each member's value, its label."""
    return choices([(member.value, _l(text)) for member, text in table.items()])

"""Every edit page's Clear boxes: a ticked one either clears the field or is refused beside it.

The Clear box is offered beside an optional field that holds a value (atmp.web.operations); the
value is sent empty and the API operation decides. This walks every quality edit page with a
record from the factories, gives each clearable field a value, ticks its box, and holds the page
to one of two outcomes: the field is empty afterwards, or the page answers 400 naming the field.
A field whose null the API silently reads as "keep" would pass for cleared and not be: that fails.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from atmp.ledger import clock
from atmp.quality.views.actions import DECLARED
from atmp.testing import RECORD_FACTORIES, drawn_form, signed_in
from atmp.web.operations import CLEAR, EMPTY, clearable_fields

pytestmark = pytest.mark.django_db

# A refusal beside a field (its test id and text), or above the form.
REFUSALS = r'<p class="field-error" data-testid="(error-[a-z_]+)">([^<]*)<|<div class="error-box"[^>]*>(.*?)</div>'
EDITS = [
    pytest.param(record_type, action, id=action.name)
    for record_type, actions in DECLARED.items()
    for action in actions
    if action.form.initial is not None
]


def _sample(column: models.Field[Any, Any]) -> Any:
    """Return a plausible value for an empty column, to have something to clear."""
    if column.choices:
        return next(str(v) for v, _ in column.choices if v)
    if isinstance(column, models.DateTimeField):
        return clock.now() - dt.timedelta(hours=1)
    if isinstance(column, models.DateField):
        return clock.now().date() + dt.timedelta(days=30)
    if isinstance(column, models.DecimalField):
        return Decimal("1")
    if isinstance(column, models.IntegerField):
        return 1
    if isinstance(column, models.JSONField):
        return ["x"]
    return "x"


@pytest.mark.parametrize(("record_type", "action"), EDITS)
def test_a_ticked_clear_box_clears_the_field_or_is_refused_beside_it(record_type, action, qa_reviewer):
    record = RECORD_FACTORIES[record_type][0](qa_reviewer)
    model = type(record)
    if not action.offered(qa_reviewer, record):
        pytest.skip(f"{action.name} is not offered on the factory's {record_type}")
    spec = action.form
    candidates = [
        name
        for name in spec.schema.model_fields
        if clearable_fields(spec, record, {name: "a value"}) == [name] or name in (spec.clearable or ())
    ]
    client = signed_in(qa_reviewer)
    url = action.address(record)
    for name in candidates:
        column = model._meta.get_field(name)
        if getattr(model._base_manager.get(pk=record.pk), name) in EMPTY:
            model._base_manager.filter(pk=record.pk).update(**{name: _sample(column)})
        page = client.get(url).content.decode()
        assert f'name="{name}{CLEAR}"' in page, f"{action.name}: no Clear box beside {name}"

        answer = client.post(url, drawn_form(page) | {f"{name}{CLEAR}": "on", "reason": f"clear {name}"})

        if answer.status_code == 400:
            said = answer.content.decode()
            why = re.findall(REFUSALS, said)
            # Beside the field; or, for a field this factory's record may not change in its state
            # (a change's effectiveness review in draft), a conflict naming it above the form.
            named = f'data-testid="error-{name}"' in said or any(name in box for *_, box in why)
            assert named, f"{action.name}: clearing {name} refused, not naming it: {why}"
        else:
            assert answer.status_code == 302, f"{action.name}: clearing {name} answered {answer.status_code}"
            assert getattr(model._base_manager.get(pk=record.pk), name) in EMPTY, f"{action.name}: {name} was kept"

"""The API's input rules: times at the edges of the calendar, unknown and duplicate JSON keys, a body
that is not JSON, unknown URLs and wrong methods, and names that could spoof a printed signature."""

from __future__ import annotations

import re
import typing
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from atmp.accounts.models import Site, User
from atmp.api.main import api
from atmp.api.schemas import BodyIn

pytestmark = pytest.mark.django_db

EDGES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00"]


@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize("value", EDGES)
def test_it_refuses_a_time_outside_the_utc_calendar_naming_the_field(as_inspector, field, value):
    response = as_inspector.get("/ledger/entries", **{field: value})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def _body_models() -> list[tuple[str, type]]:
    found = []
    for router_prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.signature.models:
                    if getattr(model, "__ninja_param_source__", None) != "body":
                        continue
                    for field in model.model_fields.values():
                        found.append((f"{operation.methods} {router_prefix}{path}", field.annotation))
    return found


def _models_in(annotation: Any, seen: set[type]) -> list[type[BaseModel]]:
    """Return the body schema and every schema nested in it (a list of steps, an object of options)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return []
        seen.add(annotation)
        nested = [m for f in annotation.model_fields.values() for m in _models_in(f.annotation, seen)]
        return [annotation, *nested]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg, seen)]


def _is_boolean(annotation: Any) -> bool:
    return annotation is bool or any(_is_boolean(a) for a in typing.get_args(annotation))


def _boolean_fields() -> list[tuple[str, type[BaseModel], str, bool]]:
    """Return every boolean field of a JSON body: where, its schema, its name, and whether the body holds it."""
    found, seen = [], set()  # type: ignore[var-annotated]
    for router in api._get_bound_routers():  # nested routers too (api._routers lists the top ones)
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.signature.models:
                    if getattr(model, "__ninja_param_source__", None) != "body":
                        continue
                    for body in model.model_fields.values():
                        for schema in _models_in(body.annotation, seen):
                            where = f"{operation.methods[0]} {path}"
                            found += [
                                (where, schema, name, schema is body.annotation)
                                for name, field in schema.model_fields.items()
                                if _is_boolean(field.annotation)
                            ]
    return found


BOOLEANS = _boolean_fields()


def test_the_walk_finds_the_booleans_of_every_module():
    modules = {schema.__module__.split(".")[1] for _, schema, _, _ in BOOLEANS}
    assert {"ledger", "lab", "manufacturing", "quality", "trace"} <= modules, modules


@pytest.mark.parametrize(
    ("where", "schema", "name", "top"), BOOLEANS, ids=[f"{s.__name__}.{n}" for _, s, n, _ in BOOLEANS]
)
def test_every_boolean_of_a_json_body_takes_json_true_or_false_only(where, schema, name, top):
    # A GMP API does not guess: "yes", 1 or "true" is refused naming the field, never read as true.
    for lax in ("yes", 1, "true", 0, "off"):
        with pytest.raises(PydanticError) as refused:
            schema.model_validate({name: lax})
        assert any(e["loc"][:1] == (name,) for e in refused.value.errors()), (where, lax, refused.value.errors())
    for strict in (True, False):
        try:
            schema.model_validate({name: strict})
        except PydanticError as exc:
            assert not [e for e in exc.errors() if e["loc"][:1] == (name,)], (where, strict, exc.errors())


@pytest.mark.parametrize(
    ("where", "name"),
    [(w, n) for w, _, n, top in BOOLEANS if top],
    ids=[f"{s.__name__}.{n}" for _, s, n, top in BOOLEANS if top],
)
def test_the_api_answers_a_non_json_boolean_with_400_naming_the_field(as_inspector, where, name):
    method, path = where.split(" ", 1)
    url = re.sub(r"{[^}]+}", "1", path)
    send = getattr(as_inspector, method.lower())
    refused = send(url, {name: "yes"})
    assert refused.status_code == 400, (where, refused.content)
    assert name in [e["field"] for e in refused.json()["errors"]]
    taken = send(url, {name: True})
    assert taken.status_code != 400 or name not in [e["field"] for e in taken.json().get("errors") or []]


def test_every_json_body_schema_refuses_unknown_fields():
    bodies = _body_models()
    assert bodies, "the walk found no body schema"
    for where, schema in bodies:
        assert schema.model_config.get("extra") == "forbid", f"{where}: {schema.__name__} accepts unknown fields"
    assert any(issubclass(s, BodyIn) for _, s in bodies)


def test_it_refuses_an_unknown_field_naming_it(as_reviewer, site):
    response = as_reviewer.patch(f"/sites/{site.code}", {"name": "Leiden 2", "reason": "typo", "reasn": "x"})
    assert response.status_code == 400
    assert response.json()["field"] == "reasn"
    assert Site.objects.get(pk=site.pk).name == "Leiden"


def test_it_refuses_a_duplicate_key_naming_it(as_reviewer, site):
    body = '{"name": "Leiden 2", "reason": "fine", "reason": ""}'
    response = as_reviewer.patch(f"/sites/{site.code}", body)
    assert response.status_code == 400
    assert response.json()["field"] == "reason" and "twice" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_it_refuses_a_body_that_is_not_json(as_reviewer, site, content_type):
    response = as_reviewer.client.patch(
        f"/api/v1/sites/{site.code}", data='{"name": "Leiden 2", "reason": "fine"}', content_type=content_type
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_an_unknown_api_url_answers_json(as_reviewer):
    response = as_reviewer.get("/no/such/thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "openapi.json" in response.json()["detail"]


def test_an_unknown_api_url_answers_json_to_the_anonymous_too():
    response = Client().post("/api/v1/nothing-here", data="{}", content_type="application/json")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_a_wrong_method_answers_json_405_with_allow(as_reviewer):
    response = as_reviewer.client.delete("/api/v1/ledger/entries")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET" and "GET" in response.json()["detail"]


SPOOFS = ["Alex\u202eevorppA", "Ri\u200bta", "\u2066Sam\u2069", "Olga\u00adOperator", "Zoë\nZed"]


@pytest.mark.parametrize("name", SPOOFS)
def test_it_refuses_invisible_and_bidi_characters_in_a_full_name(as_sysadmin, name):
    body = {"username": "newbie", "full_name": name, "password": "correct horse battery staple 42", "roles": []}
    response = as_sysadmin.post("/users", body)
    assert response.status_code == 400
    assert response.json()["field"] == "full_name"
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("name", SPOOFS)
def test_it_refuses_invisible_and_bidi_characters_in_a_site_name(as_reviewer, site, name):
    created = as_reviewer.post("/sites", {"code": "GNT", "name": name})
    assert created.status_code == 400 and created.json()["field"] == "name"
    changed = as_reviewer.patch(f"/sites/{site.code}", {"name": name, "reason": "rename"})
    assert changed.status_code == 400 and changed.json()["field"] == "name"


def test_names_in_any_script_are_still_welcome(as_reviewer):
    response = as_reviewer.post("/sites", {"code": "TLV", "name": "תל אביב — Zoë Ødegård 東京"})
    assert response.status_code == 201

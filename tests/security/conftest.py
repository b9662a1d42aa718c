"""The OpenAPI matrix: tenancy and hostile-input tests generated from each service's OpenAPI document.

A test module of this folder declares, for one service:

* ``definition()``: the service's definition (its app serves the document at ``<api prefix>/openapi.json``);
* ``VENDOR_OPERATIONS`` / ``CUSTOMER_OPERATIONS``: the operations (``"METHOD /path"``) vendor staff /
  customers may call at all; every other operation with ``bearerAuth`` is for operators only;
* ``PUBLIC_OBJECTS``: id-taking operations whose objects anyone may read by the documented rule, with why;
* ``NOT_READ_BY_OPERATORS``: id-taking reads an admin operator does not get (the check that the world's
  objects exist skips them), with why;
* ``PATH_VALUES``: path parameters that are not ids (a month...), kept as they are;
* ``settings(workdir)`` (optional): settings overrides of the module's app;
* ``BODIES``: request bodies where the one built from the schema would not validate;
* a module-scoped ``world`` fixture: path-parameter name -> id of an object another party owns (vendor B,
  another customer); its values are also sent as the lists' filters of the same name (``?vendor_id=ven-b``)
  and must appear in no list the callers get.

Tests asking for one of the names in ``_selections`` (``object_operation``, ``write_operation``,
``bounded_query``...) get one parametrization per matching operation of the document, named after it
(``PATCH /api/v1/offers/{offer_id}``): an endpoint added to a service is in the matrix without anyone
writing a test for it, and an id-taking one without an id in the world fails, naming the parameter.
"""
from __future__ import annotations

import functools
import importlib
import tempfile
import uuid
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest

from chassis.app import MAX_BODY_BYTES, build_app
from chassis.testing.apps import migrated_app, settings_for
from chassis.testing.backends import Backend

PROBLEM = "application/problem+json"
# Fields a caller must never set where the operation does not declare them: tenancy, states, money, rights.
PRIVILEGED_FIELDS = {"vendor_id": "ven-b", "customer_id": "cus-2", "status": "approved", "price_minor": 1,
                     "unit_price_minor": 1, "total_minor": 1, "amount_minor": 1, "commission_minor": 0,
                     "rate_bps": 0, "roles": ["operator", "admin"]}


@dataclass(frozen=True)
class Operation:
    """One operation of an OpenAPI document, with what the matrix needs to call it."""

    method: str
    path: str
    path_params: tuple[str, ...]
    public: bool
    body_media_type: str | None
    body_schema: dict | None
    bounded_queries: tuple[tuple[str, int], ...]
    query_params: tuple[str, ...]
    string_fields: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


# --- the document -------------------------------------------------------------------------------------------

@functools.cache
def openapi_document(service: str) -> dict:
    """The document the service's app serves (built once per process, without a database)."""
    definition = importlib.import_module(f"{service}.app").definition()
    with tempfile.TemporaryDirectory() as workdir:
        settings = settings_for(definition, Backend("embedded", Path(workdir)), "http://127.0.0.1:9/unused",
                                **_required_settings(service))
        app = build_app(definition, settings)
        response = app.test_client().get(f"{settings.api_prefix}/openapi.json")
        app.extensions["chassis.runtime"].dispose()
    assert response.status_code == 200, f"{service} serves no OpenAPI document"
    return response.get_json()


def _required_settings(service: str) -> dict:
    return {"session_secret": "document-only"} if service == "identity" else {}


def operations(service: str) -> list[Operation]:
    document = openapi_document(service)
    found = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            found.append(_operation(document, method.upper(), path, shared + operation.get("parameters", []),
                                    operation))
    return found


def _operation(document: dict, method: str, path: str, parameters: list, operation: dict) -> Operation:
    parameters = [_resolve(document, parameter) for parameter in parameters]
    media_type, schema = _request_body(document, operation)
    bounded = tuple((p["name"], p["schema"]["maximum"]) for p in parameters
                    if p["in"] == "query" and "maximum" in p.get("schema", {}))
    return Operation(method, path, tuple(p["name"] for p in parameters if p["in"] == "path"),
                     public=not operation.get("security"), body_media_type=media_type, body_schema=schema,
                     bounded_queries=bounded, query_params=tuple(p["name"] for p in parameters if p["in"] == "query"),
                     string_fields=_string_fields(document, schema) if media_type == "application/json" else ())


def _string_fields(document: dict, schema: dict) -> tuple[str, ...]:
    properties = _resolve(document, schema).get("properties", {})
    return tuple(name for name, field in properties.items()
                 if _resolve(document, field).get("type") == "string" and "enum" not in _resolve(document, field))


def _request_body(document: dict, operation: dict) -> tuple[str | None, dict | None]:
    content = _resolve(document, operation.get("requestBody", {})).get("content", {})
    for media_type in ("application/json", "multipart/form-data"):
        if media_type in content:
            return media_type, content[media_type].get("schema", {})
    return None, None


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = functools.reduce(dict.__getitem__, node["$ref"].lstrip("#/").split("/"), document)
    return node


# --- bodies built from the schema ----------------------------------------------------------------------------

def example_of(document: dict, schema: dict):
    """A small value the schema accepts: required properties (else the first one, so that a patch changes
    something), lower bounds, the first enum member."""
    schema = _resolve(document, schema)
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        names = schema.get("required") or list(properties)[:1]
        return {name: example_of(document, properties[name]) for name in names}
    if kind == "array":
        return [example_of(document, schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    return _string_example(schema)


def _string_example(schema: dict) -> str:
    formats = {"email": "someone@example.com", "date": "2026-01-15", "date-time": "2026-01-15T10:00:00+00:00",
               "uuid": str(uuid.uuid4()), "uri": "https://example.com/x", "url": "https://example.com/x"}
    if schema.get("format") in formats:
        return formats[schema["format"]]
    return "x" * max(schema.get("minLength", 8), 8)


# --- calling an operation -------------------------------------------------------------------------------------

@dataclass
class Matrix:
    """Calls the operations of one module's service on its world's objects."""

    service: str
    module: object
    client: object
    ids: dict[str, str]

    def call(self, operation: Operation, headers: dict, *, missing: bool = False, query: dict | None = None):
        """Call ``operation`` on the world's objects (``missing``: on ids nobody has)."""
        headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        return self.client.open(self._path(operation, missing), method=operation.method, headers=headers,
                                query_string=query, **self._body(operation))

    def assert_object_refused(self, operation: Operation, headers: dict, allowed: set[str]) -> None:
        """The caller reaches none of the world's objects: 404 where it may call ``operation`` (public ones
        included), 403 where it may not, and the same answer for an object nobody has."""
        expected = 404 if operation.public or operation.key in allowed else 403
        assert_refused(self.call(operation, headers), expected, operation,
                       self.call(operation, headers, missing=True))

    def assert_operation_refused(self, operation: Operation, headers: dict) -> None:
        """403: the caller may not call ``operation`` at all."""
        response = self.call(operation, headers)
        assert_refused(response, 403, operation, response)

    def assert_hostile_ids_not_found(self, operation: Operation, callers: dict) -> None:
        """Ids no object can have (a NUL, ten thousand characters, SQL, unicode): a 4xx problem (or an empty
        answer where the id is a filter, a vendor's balances), never a server error; asked by an admin operator
        (who reads every object) or whom the operation lets through."""
        callers = {**callers, "vendor": callers["admin"], "customer": callers["admin"]} \
            if operation.key not in self.module.CUSTOMER_OPERATIONS else callers
        for hostile in ("a%00b", "x" * 10_000, "1'%20OR%20'1'='1", "%F0%9F%92%A5", "%25", "..%2F..%2Fetc"):
            response = self._as_allowed_caller(operation, callers, path=self._path(operation, hostile=hostile))
            assert response.status_code < 500, f"{operation.key} on {hostile[:20]!r}: {response.status_code}"
            assert response.status_code < 400 or response.mimetype == PROBLEM

    def assert_readable(self, operation: Operation, headers: dict) -> None:
        """200: the world's object exists (so the refusals above are about who asks, not about a wrong id)."""
        response = self.call(operation, headers)
        assert response.status_code == 200, f"{operation.key}: {response.status_code} {response.get_data(True)}"

    def assert_lists_nothing_of_the_world(self, operation: Operation, headers: dict) -> None:
        """A list answers the caller's own rows, even asked for the world's (``?vendor_id=`` of vendor B...):
        never an id of the world, never a server error."""
        asked = {name: self.ids[name] for name in operation.query_params if name in self.ids}
        for query in ({}, asked) if asked else ({},):
            response = self.call(operation, headers, query=query)
            assert response.status_code < 500, f"{operation.key}?{query}: {response.get_data(True)}"
            if response.status_code < 300:
                shown = response.get_data(as_text=True)
                leaked = sorted(name for name, value in self.ids.items() if value in shown)
                assert not leaked, f"{operation.key}?{query} shows the world's {leaked}: {shown[:500]}"

    def assert_undeclared_privileged_fields_refused(self, operation: Operation, callers: dict) -> None:
        """A body carrying privileged fields the operation does not declare is a 422 naming each of them,
        sent by a caller the operation lets through (vendor, customer or admin operator)."""
        declared = _resolve(openapi_document(self.service), operation.body_schema).get("properties", {})
        injected = {name: value for name, value in PRIVILEGED_FIELDS.items() if name not in declared}
        body = {**self._body(operation)["json"], **injected}
        response = self._as_allowed_caller(operation, callers, json=body)
        assert response.status_code == 422, f"{operation.key}: {response.status_code} {response.get_data(True)}"
        assert response.mimetype == PROBLEM
        assert set(injected) <= set(response.get_json().get("errors", {})), response.get_json()

    def assert_oversized_body_refused(self, operation: Operation, callers: dict) -> None:
        """A JSON body past the apps' limit is a 413 problem, refused on its announced length."""
        response = self._as_allowed_caller(operation, callers, data=oversized_json(),
                                           content_type="application/json")
        assert response.status_code == 413, f"{operation.key}: {response.status_code} {response.get_data(True)}"
        assert response.mimetype == PROBLEM

    def assert_deeply_nested_body_refused(self, operation: Operation, callers: dict) -> None:
        """JSON nested deeper than any parser recursion (a small body): a 400/422 problem (413 where the
        operation takes smaller bodies), not a crash."""
        response = self._as_allowed_caller(operation, callers, data=deeply_nested_json(),
                                           content_type="application/json")
        assert response.status_code in (400, 413, 422), f"{operation.key}: {response.get_data(True)}"
        assert response.mimetype == PROBLEM

    def assert_overlong_strings_answered(self, operation: Operation, callers: dict) -> None:
        """Every string field of the body ten thousand characters long: a 4xx problem, or taken where nothing
        bounds it, never a server error (a database column too short for it, for one)."""
        overlong = {name: "x" * 10_000 for name in operation.string_fields}
        response = self._as_allowed_caller(operation, callers, json={**self._body(operation)["json"], **overlong})
        assert response.status_code < 500, f"{operation.key}: {response.status_code} {response.get_data(True)}"
        assert response.status_code < 400 or response.mimetype == PROBLEM

    def assert_out_of_bounds_refused(self, operation: Operation, name: str, maximum: int, callers: dict) -> None:
        """Past the documented maximum, negative, absurdly large or not a number: a 422 naming the parameter."""
        for value in (maximum + 1, 10**30, -1, "many"):
            response = self._as_allowed_caller(operation, callers, query_string={name: value})
            assert response.status_code == 422, f"{operation.key}?{name}={value}: {response.get_data(True)}"
            assert response.mimetype == PROBLEM
            assert name in response.get_json().get("errors", {}), response.get_json()

    def assert_far_pages_answered(self, operation: Operation, callers: dict) -> None:
        """Page 0, a negative page or one past any table (an offset no database integer holds): an empty page or
        a 422, never a server error (an object's pages are read by an admin operator, who reads every object)."""
        callers = {**callers, "vendor": callers["admin"]} if operation.path_params else callers
        for page in (0, -1, 2**63, 10**30):
            response = self._as_allowed_caller(operation, callers, query_string={"page": page})
            assert response.status_code in (200, 422), f"{operation.key}?page={page}: {response.get_data(True)}"
            if response.status_code == 422:
                assert (response.mimetype, "page" in response.get_json().get("errors", {})) == (PROBLEM, True)

    def _as_allowed_caller(self, operation: Operation, callers: dict, path: str | None = None, **request):
        """The request sent by whom the operation lets through: its vendors, its customers, or an admin."""
        module = self.module
        headers = callers["vendor"] if operation.key in module.VENDOR_OPERATIONS else \
            callers["customer"] if operation.key in module.CUSTOMER_OPERATIONS or operation.public \
            else callers["admin"]
        return self.client.open(path or self._path(operation), method=operation.method,
                                headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, **request)

    def _path(self, operation: Operation, missing: bool = False, hostile: str | None = None) -> str:
        path = operation.path
        for name in operation.path_params:
            value = hostile if hostile is not None and name not in getattr(self.module, "PATH_VALUES", {}) \
                else self._path_value(operation, name, missing)
            path = path.replace("{" + name + "}", value)
        return path

    def _path_value(self, operation: Operation, name: str, missing: bool) -> str:
        constants = getattr(self.module, "PATH_VALUES", {})
        if name in constants:
            return constants[name]
        if name not in self.ids:
            pytest.fail(f"{operation.key} takes {{{name}}}: give the world fixture of {self.module.__name__} an "
                        f"object for {name!r} (one vendor B or another customer owns)", pytrace=False)
        return f"missing-{uuid.uuid4().hex[:12]}" if missing else self.ids[name]

    def _body(self, operation: Operation) -> dict:
        if operation.body_media_type is None:
            return {}
        body = getattr(self.module, "BODIES", {}).get(operation.key)
        if body is None:
            body = example_of(openapi_document(self.service), operation.body_schema)
        if operation.body_media_type == "multipart/form-data":
            return {"data": {name: _upload(value) for name, value in body.items()},
                    "content_type": "multipart/form-data"}
        return {"json": body}


@functools.cache
def oversized_json() -> bytes:
    """A JSON document one byte over the apps' body limit (built once)."""
    return b'{"padding": "' + b"x" * (MAX_BODY_BYTES - 14) + b'"}'


def deeply_nested_json() -> bytes:
    return b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _upload(value):
    return (BytesIO(b"not really a picture"), "upload.bin") if isinstance(value, str) else value


def assert_refused(response, expected: int, operation: Operation, missing_response) -> None:
    """``expected`` as problem+json, exactly what an object nobody has answers (the object's existence stays
    unknown to the caller)."""
    assert response.status_code != 422, (
        f"{operation.key}: the request was refused as invalid before its object was looked up; "
        f"add a valid body to BODIES: {response.get_json()}")
    assert response.status_code == expected, f"{operation.key}: {response.status_code} {response.get_data(True)}"
    assert response.mimetype == PROBLEM
    assert missing_response.status_code == response.status_code, (
        f"{operation.key}: {response.status_code} on another's object but {missing_response.status_code} on a "
        f"missing one: the answer tells the object exists")


# --- parametrization and fixtures -----------------------------------------------------------------------------

def _selections(module) -> dict:
    service = module.definition().name
    vendors, customers = module.VENDOR_OPERATIONS, module.CUSTOMER_OPERATIONS
    public_objects = getattr(module, "PUBLIC_OBJECTS", {})
    every = operations(service)
    return {
        "object_operation": [o for o in every if o.path_params and o.key not in public_objects],
        "vendor_list": [o for o in every if _is_list(o) and o.key in vendors],
        "customer_list": [o for o in every if _is_list(o) and o.key in customers],
        "write_operation": [o for o in every if o.method in ("POST", "PUT", "PATCH")
                            and o.body_media_type == "application/json"],
        "text_write_operation": [o for o in every if o.string_fields],
        "id_operation": [o for o in every if o.path_params],
        "object_read": [o for o in every if o.path_params and o.method == "GET"
                        and o.key not in getattr(module, "NOT_READ_BY_OPERATORS", {})],
        "vendor_refused_operation": [o for o in every if not o.path_params and not o.public and o.key not in vendors],
        "customer_refused_operation": [o for o in every
                                       if not o.path_params and not o.public and o.key not in customers],
        "paged_operation": [o for o in every if o.method == "GET" and "page" in o.query_params],
        "bounded_query": [(o, name, maximum) for o in every if o.method == "GET"
                          for name, maximum in o.bounded_queries],
    }


def _is_list(operation: Operation) -> bool:
    return operation.method == "GET" and not operation.path_params and not operation.public


def pytest_generate_tests(metafunc) -> None:
    if not hasattr(metafunc.module, "VENDOR_OPERATIONS"):
        return
    for argument, chosen in _selections(metafunc.module).items():
        if argument not in metafunc.fixturenames:
            continue
        if argument == "bounded_query":
            metafunc.parametrize(argument, chosen, ids=[f"{o.key}?{name}" for o, name, _ in chosen])
        else:
            metafunc.parametrize(argument, chosen, ids=[o.key for o in chosen])


@pytest.fixture(scope="module")
def issue(token_issuer):
    """``bearer`` for module-scoped worlds: an Authorization header for a token with these claims."""
    def build(**claims) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_issuer.issue(**claims)}"}
    return build


@pytest.fixture
def callers(vendor_a, customer, admin) -> dict[str, dict]:
    """The callers the generated tests send a request as when it must get through the role checks."""
    return {"vendor": vendor_a, "customer": customer, "admin": admin}


@pytest.fixture(scope="module")
def module_app(request, tmp_path_factory, jwks_url):
    """The module's service, migrated, shared by the module's tests (they only read, or are refused)."""
    definition = request.module.definition()
    workdir = tmp_path_factory.mktemp(definition.name)
    overrides = request.module.settings(workdir) if hasattr(request.module, "settings") else {}
    with migrated_app(definition, workdir, jwks_url, **overrides) as app:
        yield app


@pytest.fixture(scope="module")
def matrix(request, module_app, world) -> Matrix:
    return Matrix(request.module.definition().name, request.module, module_app.test_client(), world)

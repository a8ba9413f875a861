"""The engine's OpenAPI document, built from two sources that cannot drift from the code:

* each route's `Doc`, given where the route is registered (`api/routes/__init__.route`): what it
  reads (parameters, body), what it answers on success, and the statuses its use case can
  refuse with beyond those its shape implies;
* the model's field declarations (`model/records.py`: kinds, limits, enums, required), which
  the same requests are validated with, for every body and record schema.

A route added later is documented by registering it; a field added to a declaration appears in
every schema that uses the record. Served at `/api/openapi.json`, browsable at `/api/docs`
(docs/api.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from dataops import __version__
from dataops.config import AuthMode
from dataops.model.artifacts import ARTIFACT
from dataops.model.audit import AUDIT_EVENT
from dataops.model.bundles import BUNDLE
from dataops.model.files import FILE
from dataops.model.notifications import NOTIFICATION
from dataops.model.records import (
    LINK_SCHEMES,
    STORAGE_URI_SCHEMES,
    Extras,
    Field,
    Kind,
    ObjectShape,
    RecordType,
)
from dataops.model.recurring import RECURRING_CONFIG
from dataops.model.tasks import TASK
from dataops.model.templates import TEMPLATE
from dataops.model.users import PUBLIC_FIELDS, SERVICE_TOKEN, USER

JSON = dict[str, Any]
JSON_TYPE = "application/json"
MAX_PAGE = 1000

# What each status means on this API; a route's description of a status starts here.
STATUS_TEXTS: Mapping[int, str] = {
    200: "OK",
    201: "Created",
    204: "No content",
    302: "Redirect to a short-lived download URL",
    400: "Bad input: the body, a parameter or a field breaks a rule (the message names it)",
    401: "Unauthorized: no valid session token (or trusted portal headers)",
    403: "Forbidden: the caller may not do this (a service may register, never review)",
    404: "Not found: the record (or another record the request names) does not exist",
    409: "Conflict with the current state (the message says which)",
    412: "Precondition failed: If-Match names a version that is no longer current",
    413: "Request body too large",
    429: "Too many attempts; try again later (see Retry-After)",
    503: "A backing service (binary storage) is unavailable right now; try again later",
}


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: JSON
    description: str
    required: bool = False


@dataclass(frozen=True)
class Doc:
    """What one route reads and answers. Statuses implied by its shape are added when the
    document is built: 401 unless `public`, 400 and 413 with a body, 404 with a path parameter,
    400 with paging, 412 with `if_match`; `errors` names the others its use case raises."""

    summary: str
    ok: int = 200
    answer: JSON | None = None  # the success body's schema (None: no body)
    answer_type: str = JSON_TYPE
    body: JSON | None = None
    body_type: str = JSON_TYPE
    body_required: bool = True
    example: JSON | None = None  # a body the route accepts, for readers and fuzzers
    query: tuple[Param, ...] = ()
    errors: frozenset[int] = frozenset()
    etag: bool = False
    if_match: bool = False
    public: bool = False
    redirect: bool = False  # 302 to a presigned URL, or the bytes
    # The authentication modes the route exists in (elsewhere it answers 404 and is left out).
    modes: frozenset[AuthMode] = frozenset(AuthMode)
    description: str = ""
    extra: Mapping[int, str] = field(default_factory=dict)  # status -> what it means here


# --- schemas from field declarations ------------------------------------------------------------


def _scheme_pattern(schemes: Sequence[str]) -> str:
    """`^(?:https?|s3|local-dev):` spelled case-insensitively (JSON Schema has no flags)."""

    def insensitive(text: str) -> str:
        return "".join(
            f"[{ch.lower()}{ch.upper()}]" if ch.isalpha() else re.escape(ch) for ch in text
        )

    return "^(?:" + "|".join(insensitive(scheme) for scheme in schemes) + "):"


_STRING_FORMATS: Mapping[Kind, JSON] = {
    Kind.DATE: {"format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    Kind.TIMESTAMP: {"format": "date-time"},
    Kind.URI: {"pattern": _scheme_pattern(STORAGE_URI_SCHEMES)},
    # "" (or blanks) is a link not filled in yet.
    Kind.LINK: {"pattern": r"^(?:\s*$|" + _scheme_pattern(LINK_SCHEMES)[1:] + ")"},
}


def field_schema(spec: Field, *, request: bool = False) -> JSON:
    """The JSON Schema of one declared field (in a request, optional values may also be null:
    null removes an optional field on update and is ignored on create)."""
    schema = _kind_schema(spec, request=request)
    return _nullable(schema) if request and not spec.required else schema


def _nullable(schema: JSON) -> JSON:
    return {"anyOf": [schema, {"type": "null"}]}


def _kind_schema(spec: Field, *, request: bool) -> JSON:
    kind = spec.kind
    if kind is Kind.ENUM:
        return {"type": "string", "enum": list(spec.values)}
    if kind is Kind.BOOLEAN:
        return {"type": "boolean"}
    if kind is Kind.NUMBER:
        return {"type": "number"}
    if kind is Kind.TEXT_LIST:
        item: JSON = {"type": "string"}
        if spec.item_limit is not None:
            item["maxLength"] = spec.item_limit
        return _limited({"type": "array", "items": item}, "maxItems", spec.limit)
    if kind is Kind.OBJECT:
        return object_schema(spec.shape or ObjectShape(), request=request)
    if kind is Kind.TEXT_OR_OBJECT:
        text = _limited({"type": "string"}, "maxLength", spec.limit)
        return {"anyOf": [text, object_schema(spec.shape or ObjectShape(), request=request)]}
    if kind is Kind.OBJECT_LIST:
        items = object_schema(spec.shape or ObjectShape(), request=request)
        return _limited({"type": "array", "items": items}, "maxItems", spec.limit)
    schema: JSON = {"type": "string", **_STRING_FORMATS.get(kind, {})}
    if spec.required and kind in (Kind.TEXT, Kind.ID):
        schema["minLength"] = 1
    return _limited(schema, "maxLength", spec.limit)


def _limited(schema: JSON, keyword: str, limit: int | None) -> JSON:
    if limit is not None:
        schema[keyword] = limit
    return schema


_SCALAR: JSON = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}


def object_schema(shape: ObjectShape, *, request: bool = False) -> JSON:
    """A nested object: its declared fields, and what else it may hold (free-form JSON, or
    plain values and lists of them)."""
    schema: JSON = {"type": "object"}
    if shape.fields:
        schema["properties"] = {
            spec.name: field_schema(spec, request=request) for spec in shape.fields
        }
        required = [spec.name for spec in shape.fields if spec.required]
        if required:
            schema["required"] = required
    if shape.extras is Extras.SCALARS:
        schema["additionalProperties"] = {
            "anyOf": [*_SCALAR["anyOf"], {"type": "array", "items": _SCALAR}]
        }
    return schema


def record_schema(record: RecordType, names: Iterable[str] | None = None) -> JSON:
    """A record as responses show it: every declared field (or those named), the required ones
    always present. Records may carry fields of older versions, so others are allowed."""
    chosen = tuple(names) if names is not None else None
    specs = [spec for spec in record.fields if chosen is None or spec.name in chosen]
    schema: JSON = {
        "type": "object",
        "properties": {spec.name: field_schema(spec) for spec in specs},
    }
    required = [spec.name for spec in specs if spec.required]
    if required:
        schema["required"] = required
    return schema


def body_schema(
    fields: Iterable[Field], required: Iterable[str] = (), *, description: str = ""
) -> JSON:
    """A request body of declared fields; `required` names those a request must send (they
    refuse null, the others take null as "remove"). Other fields are ignored."""
    needed = set(required)
    specs = list(fields)
    properties: JSON = {}
    for spec in specs:
        schema = _kind_schema(spec, request=True)
        properties[spec.name] = schema if spec.name in needed else _nullable(schema)
    body: JSON = {"type": "object", "properties": properties}
    if needed:
        body["required"] = [spec.name for spec in specs if spec.name in needed]
    if description:
        body["description"] = description
    return body


def fields_of(record: RecordType, names: Iterable[str]) -> list[Field]:
    """The declarations of `names` in `record`, in the order given."""
    return [record.by_name[name] for name in names]


# --- records and envelopes -----------------------------------------------------------------

# Every record a response can hold, by component name.
RECORDS: Mapping[str, JSON] = {
    "Task": record_schema(TASK),
    "Bundle": record_schema(BUNDLE),
    "Template": record_schema(TEMPLATE),
    "RecurringConfig": record_schema(RECURRING_CONFIG),
    "User": record_schema(USER, PUBLIC_FIELDS),
    "ServiceToken": record_schema(SERVICE_TOKEN),
    "File": record_schema(FILE),
    "Artifact": record_schema(ARTIFACT),
    "Notification": record_schema(NOTIFICATION),
    "AuditEvent": record_schema(AUDIT_EVENT),
}


def ref(name: str) -> JSON:
    """A component: a record of `RECORDS`, or `Error`."""
    if name not in RECORDS and name != "Error":
        raise KeyError(f"no schema component {name}")
    return {"$ref": f"#/components/schemas/{name}"}


def envelope(**members: JSON) -> JSON:
    """`{"bundle": ...}`, `{"bundle": ..., "tasks": [...]}`: every member present."""
    return {"type": "object", "properties": members, "required": list(members)}


def array(item: JSON) -> JSON:
    return {"type": "array", "items": item}


def listing(key: str, item: JSON, extra: JSON | None = None) -> JSON:
    """A list envelope: every match, or a page and `nextCursor` when `limit` left more; `extra`
    names properties some requests add."""
    return {
        "type": "object",
        "properties": {
            key: array(item),
            "nextCursor": {"type": "string", "description": "Pass as `cursor` for the next page."},
            **(extra or {}),
        },
        "required": [key],
    }


PAGING: tuple[Param, ...] = (
    Param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        "Page size; without it the whole list is returned.",
    ),
    Param("cursor", {"type": "string"}, "`nextCursor` of the previous page."),
)


def field_param(spec: Field, description: str, *, required: bool = False) -> Param:
    """A query parameter that filters on a declared field (an enum's values, a date's shape)."""
    schema = _kind_schema(spec, request=False)
    schema.pop("maxLength", None)
    return Param(spec.name, schema, description, required)


# --- the document ---------------------------------------------------------------------------

_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _error_response(text: str) -> JSON:
    return {"description": text, "content": {JSON_TYPE: {"schema": ref("Error")}}}


def _operation(route: APIRoute, method: str, doc: Doc, operation_id: str) -> JSON:
    path_params = _PATH_PARAM.findall(route.path)
    parameters: list[JSON] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_params
    ]
    parameters += [
        {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "description": param.description,
            "schema": param.schema,
        }
        for param in doc.query
    ]
    if doc.if_match:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "The ETag of the version this change is based on; a stale one "
                "answers 412 and writes nothing.",
                "schema": {"type": "string"},
            }
        )
    operation: JSON = {
        "summary": doc.summary,
        "operationId": operation_id,
        "tags": [_tag(route.path)],
    }
    if doc.description:
        operation["description"] = doc.description
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        media: JSON = {"schema": doc.body}
        if doc.example is not None:
            media["example"] = doc.example
        operation["requestBody"] = {
            "required": doc.body_required,
            "content": {doc.body_type: media},
        }
    if doc.public:
        operation["security"] = []
    operation["responses"] = _responses(doc, path_params)
    return operation


def _responses(doc: Doc, path_params: Sequence[str]) -> JSON:
    success: JSON = {"description": doc.extra.get(doc.ok, STATUS_TEXTS[doc.ok])}
    if doc.answer is not None:
        success["content"] = {doc.answer_type: {"schema": doc.answer}}
    if doc.etag:
        success["headers"] = {
            "ETag": {
                "description": "The record's version, for If-Match.",
                "schema": {"type": "string"},
            }
        }
    responses: JSON = {str(doc.ok): success}
    if doc.redirect:
        responses["302"] = {
            "description": STATUS_TEXTS[302],
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    statuses = set(doc.errors)
    if not doc.public:
        statuses.add(401)
    if doc.body is not None:
        statuses |= {400, 413}
    if path_params:
        statuses.add(404)
    if any(param.name == "limit" for param in doc.query) or any(p.required for p in doc.query):
        statuses.add(400)
    if doc.if_match:
        statuses |= {409, 412}
    for status in sorted(statuses):
        responses[str(status)] = _error_response(doc.extra.get(status, STATUS_TEXTS[status]))
    return responses


# Paths whose first segment is not the resource they belong with.
_TAGS = {"health": "system", "me": "auth"}


def _tag(path: str) -> str:
    """The resource a path belongs to (`/api/<resource>/...`), which groups the reference."""
    parts = path.strip("/").split("/")
    resource = parts[1] if len(parts) > 1 and parts[0] == "api" else "system"
    return _TAGS.get(resource, resource)


def _spec_path(path: str) -> str:
    return _PATH_PARAM.sub(r"{\1}", path)


def _created_id(answer: JSON) -> str | None:
    """Where the id of the record a 201 answer holds is: `$response.body#/id` for a bare
    record, `#/<key>/id` for an envelope."""
    if "$ref" in answer:
        return "$response.body#/id"
    properties = answer.get("properties", {})
    for key, member in properties.items():
        if "$ref" in member:
            return f"$response.body#/{key}/id"
    return None


def _link_created_records(paths: JSON) -> None:
    """OpenAPI links from each create (`POST <collection>` answering 201) to the operations on
    the record it made (`<collection>/{id}...`), so clients and fuzzers can follow them."""
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        schema = (created or {}).get("content", {}).get(JSON_TYPE, {}).get("schema")
        pointer = _created_id(schema) if schema else None
        if created is None or pointer is None:
            continue
        links: JSON = {}
        for target, target_operations in paths.items():
            param = (
                _PATH_PARAM.match(target[len(path) + 1 :])
                if target.startswith(path + "/")
                else None
            )
            if param is None or target[len(path) + 1 :].find("{") != 0:
                continue
            for operation in target_operations.values():
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": {param[1]: pointer},
                }
        if links:
            created["links"] = links


SECURITY_SCHEMES: Mapping[AuthMode, JSON] = {
    AuthMode.SESSION: {
        "type": "http",
        "scheme": "bearer",
        "description": "A session token of POST /api/auth/login, or a service token.",
    },
    AuthMode.PORTAL: {
        "type": "apiKey",
        "in": "header",
        "name": "x-portal-secret",
        "description": "The portal's shared secret, with `x-portal-auth: true` and the user "
        "in `x-user-id` (the portal sends them; clients never do).",
    },
    AuthMode.NONE: {
        "type": "apiKey",
        "in": "header",
        "name": "x-user-id",
        "description": "Tests only: no credentials; `x-user-id` names the actor.",
    },
}


def document(app: FastAPI, docs: Mapping[Any, Doc], mode: AuthMode) -> JSON:
    """The OpenAPI 3.1 document of the routes that exist in authentication mode `mode`, each
    described by its `Doc` (`docs`: by handler)."""
    operations: list[tuple[APIRoute, str, Doc]] = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        doc = docs.get(route.endpoint)
        if doc is None:
            raise LookupError(f"route {route.path} has no Doc: describe it where it is registered")
        if mode in doc.modes:
            operations += [(route, method, doc) for method in sorted(route.methods or ())]
    # A handler's name, unless it serves several methods (then with the method).
    names = Counter(route.name for route, _, _ in operations)
    paths: JSON = {}
    for route, method, doc in operations:
        operation_id = route.name if names[route.name] == 1 else f"{route.name}_{method.lower()}"
        paths.setdefault(_spec_path(route.path), {})[method.lower()] = _operation(
            route, method, doc, operation_id
        )
    _link_created_records(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DataOps work engine",
            "version": __version__,
            "description": "Proof-gated workflows of dated tasks, artifact metadata and "
            'portable exports. Every error answers `{"error": "<message>"}`; '
            "docs/api.md explains resources, envelopes, paging, ETags, proof and audit.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}},
                    "required": ["error"],
                    "additionalProperties": False,
                },
                **RECORDS,
            },
            "securitySchemes": {mode.value: SECURITY_SCHEMES[mode]},
        },
        "security": [{mode.value: []}],
    }

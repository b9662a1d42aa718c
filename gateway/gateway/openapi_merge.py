"""Merge the services' OpenAPI documents into the one document the gateway publishes.

Pure functions: no HTTP, no Flask. Every service is built on chassis, so the same component
names come back from each of them ("Problem", "PaginationMetadata"...). Identical components
are shared; a different one under a taken name is renamed ``<Service><Name>`` and every
``$ref`` of that service is rewritten to the new name.
"""
from __future__ import annotations

import copy
import logging
from typing import Any, Iterable, Mapping

log = logging.getLogger("gateway.openapi")

TITLE = "Marketplace back office API"
OPENAPI_VERSION = "3.0.3"
REF_PREFIX = "#/components/"
# Security schemes are referenced by name in `security` requirements, not by $ref, so they are
# never renamed: the gateway declares the ones every service uses.
RENAMED_SECTIONS = ("schemas", "responses", "parameters", "examples", "requestBodies", "headers",
                    "links", "callbacks")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def merge_specs(specs: Mapping[str, dict], *, issuer: str, unavailable: Iterable[str] = (),
                version: str = "1.0.0") -> dict:
    """One OpenAPI 3.0.3 document from ``{service name: its document}``, in the given order.

    :param issuer: the public base URL of the authorization server (the gateway's own URL).
    :param unavailable: services whose document could not be fetched, listed in ``x-services``.
    """
    merged = _skeleton(issuer, version)
    for service, document in specs.items():
        _add_service(merged, service, copy.deepcopy(document))
    merged["x-services"] = {"included": [_service_summary(name, doc) for name, doc in specs.items()],
                            "unavailable": sorted(unavailable)}
    merged["info"]["description"] = _description(specs, unavailable)
    return merged


def security_schemes(issuer: str) -> dict:
    """The OAuth2 flows identity offers (through the gateway) and the plain bearer scheme."""
    base = issuer.rstrip("/")
    return {
        "oauth2": {
            "type": "oauth2",
            "description": "Tokens from identity. The authorization code flow requires PKCE (S256): "
                           "public clients send code_challenge and code_verifier, no secret.",
            "flows": {
                "authorizationCode": {"authorizationUrl": f"{base}/oauth/authorize",
                                      "tokenUrl": f"{base}/oauth/token", "scopes": {}},
                "clientCredentials": {"tokenUrl": f"{base}/oauth/token", "scopes": {}},
            },
        },
        # Same as chassis declares in every service, so theirs merge into this one silently.
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    }


def _skeleton(issuer: str, version: str) -> dict:
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": version},
        "servers": [{"url": "/"}],
        "paths": {},
        "tags": [],
        "x-tagGroups": [],
        "components": {"securitySchemes": security_schemes(issuer)},
    }


def _add_service(merged: dict, service: str, document: dict) -> None:
    renames = _component_renames(merged["components"], service, document.get("components", {}))
    document = _rewrite_refs(document, renames)
    _add_components(merged["components"], service, document.get("components", {}), renames)
    tag_renames = _add_tags(merged, service, document)
    _add_paths(merged["paths"], service, document.get("paths", {}), tag_renames)


def _component_renames(merged: dict, service: str, components: dict) -> dict[str, str]:
    """``{old $ref: new $ref}`` for every component whose name is taken by different content.

    Renaming one component changes the content of those referring to it (a response pointing at
    a renamed schema), so repeat until no new conflict appears.
    """
    renames: dict[str, str] = {}
    while True:
        rewritten = _rewrite_refs(components, renames)
        found = {_ref(section, name): _ref(section, _prefixed(service, name))
                 for section in RENAMED_SECTIONS
                 for name, content in rewritten.get(section, {}).items()
                 if _ref(section, name) not in renames and _conflicts(merged, section, name, content)}
        if not found:
            return renames
        renames.update(found)


def _conflicts(merged: dict, section: str, name: str, content: Any) -> bool:
    existing = merged.get(section, {})
    return name in existing and existing[name] != content


def _add_components(merged: dict, service: str, components: dict, renames: dict[str, str]) -> None:
    for section, entries in components.items():
        target = merged.setdefault(section, {})
        for name, content in entries.items():
            final_name = renames.get(_ref(section, name), _ref(section, name)).rsplit("/", 1)[1]
            if final_name in target and target[final_name] != content:
                log.warning("openapi component %s/%s of %s conflicts with another service's; kept the first",
                            section, final_name, service)
                continue
            target[final_name] = content


def _add_tags(merged: dict, service: str, document: dict) -> dict[str, str]:
    """Add the service's tags, its own tag and a tag group; returns tag renames for its operations."""
    taken = {tag["name"] for tag in merged["tags"]}
    renames = {tag["name"]: f"{service}_{tag['name']}" for tag in document.get("tags", []) if tag["name"] in taken}
    description = document.get("info", {}).get("description")
    service_tag = {"name": service, **({"description": description} if description else {})}
    tags = [service_tag] + [{**tag, "name": renames.get(tag["name"], tag["name"])} for tag in document.get("tags", [])]
    merged["tags"].extend(tag for tag in tags if tag["name"] not in taken)
    merged["x-tagGroups"].append({"name": document.get("info", {}).get("title", service),
                                  "tags": [tag["name"] for tag in tags]})
    return renames


def _add_paths(merged: dict, service: str, paths: dict, tag_renames: dict[str, str]) -> None:
    for path, item in paths.items():
        item = _without_hidden_operations(item)
        if not HTTP_METHODS & item.keys():
            continue
        if path in merged:
            log.warning("openapi path %s of %s is already documented by another service; kept the first",
                        path, service)
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS:
                # Untagged operations would land in Swagger UI's "default" group: file them under the service.
                operation["tags"] = [tag_renames.get(tag, tag) for tag in operation.get("tags", [])] or [service]
                if "security" in operation:
                    operation["security"] = _with_oauth2_alternative(operation["security"])
        merged[path] = item


def _with_oauth2_alternative(security: list[dict]) -> list[dict]:
    # Services declare bearerAuth only; Swagger UI sends a token obtained through the oauth2
    # scheme only to operations listing it, so offer it wherever a bearer token is accepted.
    if {"bearerAuth": []} in security and {"oauth2": []} not in security:
        return [*security, {"oauth2": []}]
    return security


def _without_hidden_operations(item: dict) -> dict:
    # `@blueprint.doc(hide=True)` asks for an operation to stay out of the docs, but flask-smorest
    # copies `hide` into the document as is, which makes it invalid OpenAPI: honour the intent.
    return {key: value for key, value in item.items()
            if not (key in HTTP_METHODS and isinstance(value, dict) and value.get("hide"))}


def _rewrite_refs(value: Any, renames: Mapping[str, str]) -> Any:
    """A copy of ``value`` with every ``$ref`` found in ``renames`` replaced."""
    if isinstance(value, dict):
        return {key: (renames.get(item, item) if key == "$ref" and isinstance(item, str)
                      else _rewrite_refs(item, renames)) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite_refs(item, renames) for item in value]
    return value


def _ref(section: str, name: str) -> str:
    return f"{REF_PREFIX}{section}/{name}"


def _prefixed(service: str, name: str) -> str:
    return f"{service[:1].upper()}{service[1:]}{name}"


def _service_summary(service: str, document: dict) -> dict:
    info = document.get("info", {})
    return {"name": service, "title": info.get("title", service), "version": info.get("version", "")}


def _description(specs: Mapping[str, dict], unavailable: Iterable[str]) -> str:
    missing = sorted(unavailable)
    text = "Every service of the marketplace back office, behind the gateway: " + ", ".join(specs) + "."
    if missing:
        text += " Not documented right now (unreachable): " + ", ".join(missing) + "."
    return text

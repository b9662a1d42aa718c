"""The route table: path prefix -> upstream and the checks the edge makes (see routes.toml).

Parsed once at start; a lookup walks the request path's segments from the
longest prefix down, so its cost depends on the path's depth, not on the
number of routes.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

ALL_METHODS = "*"
RATE_LIMIT_CLASSES = frozenset({"default", "auth"})
LOCAL_UPSTREAM = "gateway"
_CLASS_KEYS = frozenset({"public_methods", "roles", "scopes", "rate_limit", "pass_authorization"})
_ROUTE_KEYS = frozenset({"prefix", "prefixes", "upstream", "class", "exact", "uploads"})


class RouteTableError(ValueError):
    """The route table file is invalid; the message names the entry at fault."""


@dataclass(frozen=True)
class RouteClass:
    """What the edge demands of a request before forwarding it."""

    name: str
    public_methods: frozenset[str] = frozenset()
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    rate_limit: str = "default"
    pass_authorization: bool = False

    def is_public(self, method: str) -> bool:
        """True when ``method`` passes without a token."""
        return ALL_METHODS in self.public_methods or method in self.public_methods


@dataclass(frozen=True)
class Route:
    prefix: str
    upstream: str
    route_class: RouteClass
    exact: bool = False
    uploads: bool = False

    @property
    def is_local(self) -> bool:
        return self.upstream == LOCAL_UPSTREAM

    @property
    def metric_label(self) -> str:
        """Bounded label for metrics and logs: the class, not the path."""
        return self.route_class.name


class RouteTable:
    """Longest-prefix lookup over whole path segments."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._prefix: dict[str, Route] = {}
        self._exact: dict[str, Route] = {}
        for route in routes:
            table = self._exact if route.exact else self._prefix
            if route.prefix in table:
                raise RouteTableError(f"route {route.prefix!r} is defined twice")
            table[route.prefix] = route
        self.routes = tuple(self._exact.values()) + tuple(self._prefix.values())

    def match(self, path: str) -> Route | None:
        """The route serving ``path`` (already checked for traversal), or None."""
        route = self._exact.get(path)
        if route is not None:
            return route
        candidate = path.rstrip("/") or "/"
        while True:
            route = self._prefix.get(candidate)
            if route is not None:
                return route
            if candidate == "/":
                return None
            cut = candidate.rfind("/")
            candidate = candidate[:cut] or "/"

    def upstreams(self) -> frozenset[str]:
        return frozenset(route.upstream for route in self.routes if not route.is_local)


def load_route_table(path: Path, known_upstreams: Iterable[str]) -> RouteTable:
    """Parse and check ``path``; raise ``RouteTableError`` naming what is wrong."""
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RouteTableError(f"{path}: {error}") from None
    return parse_route_table(document, set(known_upstreams) | {LOCAL_UPSTREAM}, source=str(path))


def parse_route_table(document: dict[str, Any], upstreams: set[str], source: str = "routes") -> RouteTable:
    classes = {name: _route_class(name, spec, source) for name, spec in document.get("classes", {}).items()}
    routes: list[Route] = []
    for index, spec in enumerate(document.get("routes", [])):
        routes.extend(_routes(spec, classes, upstreams, f"{source}: routes[{index}]"))
    if not routes:
        raise RouteTableError(f"{source}: no routes")
    return RouteTable(routes)


def _route_class(name: str, spec: dict[str, Any], source: str) -> RouteClass:
    where = f"{source}: classes.{name}"
    _no_unknown_keys(spec, _CLASS_KEYS, where)
    rate_limit = spec.get("rate_limit", "default")
    if rate_limit not in RATE_LIMIT_CLASSES:
        raise RouteTableError(f"{where}: rate_limit must be one of {sorted(RATE_LIMIT_CLASSES)}")
    methods = [str(m).upper() for m in _string_list(spec, "public_methods", where)]
    return RouteClass(name=name, public_methods=frozenset(methods),
                      roles=tuple(_string_list(spec, "roles", where)),
                      scopes=tuple(_string_list(spec, "scopes", where)),
                      rate_limit=rate_limit, pass_authorization=bool(spec.get("pass_authorization", False)))


def _routes(spec: dict[str, Any], classes: dict[str, RouteClass], upstreams: set[str], where: str) -> list[Route]:
    _no_unknown_keys(spec, _ROUTE_KEYS, where)
    prefixes = _string_list(spec, "prefixes", where) + ([spec["prefix"]] if "prefix" in spec else [])
    if not prefixes:
        raise RouteTableError(f"{where}: needs prefix or prefixes")
    upstream = spec.get("upstream")
    if upstream not in upstreams:
        raise RouteTableError(f"{where}: unknown upstream {upstream!r} (known: {sorted(upstreams)})")
    route_class = classes.get(spec.get("class", ""))
    if route_class is None:
        raise RouteTableError(f"{where}: unknown class {spec.get('class')!r} (known: {sorted(classes)})")
    for prefix in prefixes:
        if not prefix.startswith("/") or "//" in prefix or "/../" in f"{prefix}/" or "/./" in f"{prefix}/":
            raise RouteTableError(f"{where}: prefix {prefix!r} must be a clean absolute path")
    return [Route(prefix=p.rstrip("/") or "/", upstream=upstream, route_class=route_class,
                  exact=bool(spec.get("exact", False)), uploads=bool(spec.get("uploads", False)))
            for p in prefixes]


def _string_list(spec: dict[str, Any], key: str, where: str) -> list[str]:
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RouteTableError(f"{where}: {key} must be a list of strings")
    return value


def _no_unknown_keys(spec: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise RouteTableError(f"{where}: unknown keys {sorted(unknown)}")

"""Reads template.yaml: routes, handlers, environment, JWT authorizer and tables.

The template is the one source of truth; the local stack derives everything from it
so a route or table added there works locally without touching this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"

# CreateTable arguments DynamoDB Local accepts; the rest (PITR, SSE, tags, TTL,
# streams) is either applied separately or meaningless locally.
CREATE_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
)


class CfnTag:
    """A CloudFormation intrinsic (!Ref, !Sub, ...) kept as data."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value

    def __repr__(self) -> str:
        return f"!{self.tag} {self.value!r}"


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> CfnTag:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return CfnTag(suffix, value)


_CfnLoader.add_multi_constructor("!", _construct)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # logical id
    code_dir: Path
    handler: str  # module.function
    timeout: int
    authorized: bool
    scopes: tuple[str, ...] = ()

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when this route serves (method, path), else None."""
        if method != self.method:
            return None
        match = _path_regex(self.path).fullmatch(path)
        return match.groupdict() if match else None


def _path_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    pattern = "".join(
        f"(?P<{p[1:-1].rstrip('+')}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts
    )
    return re.compile(pattern)


@dataclass(frozen=True)
class Function:
    """A function of the template, as the local Lambda service invokes it."""

    function: str  # logical id
    name: str  # FunctionName when the template sets one, else the logical id
    code_dir: Path
    handler: str
    timeout: int


@dataclass(frozen=True)
class WebSocketApi:
    """The WebSocket API: route key -> function, the $connect authorizer, two-way routes."""

    routes: dict[str, str]  # "$connect" -> function logical id
    authorizer: str | None  # function logical id
    identity_header: str | None  # e.g. "sec-websocket-protocol"
    two_way: frozenset[str]  # route keys whose function's answer goes back to the client


_FUNCTION_ARN = re.compile(r"\$\{(\w+)\.Arn\}")


@dataclass
class Template:
    raw: dict[str, Any]
    routes: list[Route] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    websocket: WebSocketApi | None = None

    def function_named(self, name: str) -> Function | None:
        """By FunctionName or logical id, as Lambda's Invoke API is called."""
        name = name.rsplit(":", 1)[-1] if name.startswith("arn:") else name
        for function in self.functions.values():
            if name in (function.name, function.function):
                return function
        return None

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.raw.get("Resources", {}))

    def tables(self) -> dict[str, dict[str, Any]]:
        """CreateTable arguments (without TableName) of every table, by logical id."""
        tables = {}
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == "AWS::DynamoDB::Table":
                props = resource.get("Properties", {})
                tables[logical_id] = {k: props[k] for k in CREATE_TABLE_KEYS if k in props}
        return tables

    def ttl_attribute(self, logical_id: str) -> str | None:
        spec = self.resources[logical_id].get("Properties", {}).get("TimeToLiveSpecification")
        return str(spec["AttributeName"]) if spec and spec.get("Enabled") else None

    def cors(self) -> dict[str, Any]:
        """The HTTP API's CorsConfiguration (the branch used when origins are given)."""
        for resource in self.resources.values():
            props = resource.get("Properties", {})
            if resource.get("Type") == "AWS::ApiGatewayV2::Api" and "CorsConfiguration" in props:
                config = props["CorsConfiguration"]
                if isinstance(config, CfnTag):  # !If [condition, configuration, NoValue]
                    config = config.value[1]
                return dict(config)
        return {}

    def parameter_default(self, name: str) -> Any:
        return self.raw.get("Parameters", {}).get(name, {}).get("Default")

    def environment(self, table_names: dict[str, str]) -> dict[str, str]:
        """The environment variables of Globals and of every function, intrinsics
        resolved for the local stack, whose functions share one process (a variable
        means the same wherever the template gives it)."""
        globals_ = self.raw.get("Globals", {}).get("Function", {})
        variables = dict(globals_.get("Environment", {}).get("Variables", {}))
        for resource in self.resources.values():
            if resource.get("Type") == "AWS::Serverless::Function":
                own = resource.get("Properties", {}).get("Environment", {})
                variables.update(own.get("Variables", {}))
        resolved = {}
        for name, value in variables.items():
            local = self._resolve(value, table_names)
            if local is not None:
                resolved[name] = local
        return resolved

    def _resolve(self, value: Any, table_names: dict[str, str]) -> str | None:  # noqa: PLR0911
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, CfnTag) and value.tag == "Sub" and isinstance(value.value, str):
            return self.substitute(value.value)
        if isinstance(value, CfnTag) and value.tag == "Ref":
            if value.value in table_names:
                return table_names[value.value]
            if value.value == "AWS::Region":
                return "us-east-1"
            default = self.parameter_default(value.value)
            if isinstance(default, list):
                return ",".join(default)
            return None if default is None else str(default)
        return None  # !Sub, !GetAtt, ...: resources that do not exist locally

    def substitute(self, text: str) -> str | None:
        """A !Sub of parameters only (their defaults); None when it names a resource."""
        names = re.findall(r"\$\{([^}]+)\}", text)
        values = {}
        for name in names:
            default = self.parameter_default(name)
            if default is None or isinstance(default, list):
                return None
            values[name] = str(default)
        return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], text)


def _function_of(uri: Any) -> str | None:
    """The function logical id an integration's IntegrationUri names (!GetAtt, !Sub, !Ref
    of the alias SAM's AutoPublishAlias makes, ``Function.Alias``, or an !If of those)."""
    if isinstance(uri, CfnTag) and uri.tag == "If":
        return next(filter(None, (_function_of(branch) for branch in uri.value[1:])), None)
    if isinstance(uri, CfnTag) and uri.tag == "Ref" and str(uri.value).endswith(".Alias"):
        return str(uri.value).removesuffix(".Alias")
    if isinstance(uri, CfnTag) and uri.tag == "GetAtt":
        text = uri.value if isinstance(uri.value, str) else ".".join(uri.value)
        return str(text).split(".", 1)[0]
    text = uri.value if isinstance(uri, CfnTag) else str(uri)
    match = _FUNCTION_ARN.search(str(text))
    return match.group(1) if match else None


def _ref(value: Any) -> str | None:
    return str(value.value) if isinstance(value, CfnTag) and value.tag == "Ref" else None


def _apis(template: Template, protocol: str) -> set[str]:
    return {
        logical_id
        for logical_id, r in template.resources.items()
        if r.get("Type") == "AWS::ApiGatewayV2::Api"
        and r.get("Properties", {}).get("ProtocolType") == protocol
    }


def _api_routes(template: Template, apis: set[str]) -> dict[str, tuple[dict[str, Any], str]]:
    """Route logical id -> (its properties, the function its integration invokes)."""
    resources = template.resources
    found = {}
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if (
            resource.get("Type") != "AWS::ApiGatewayV2::Route"
            or _ref(props.get("ApiId")) not in apis
        ):
            continue
        target = props.get("Target")
        text = target.value if isinstance(target, CfnTag) else str(target)
        integration = re.sub(r"^integrations/\$\{(\w+)\}$", r"\1", str(text))
        uri = resources.get(integration, {}).get("Properties", {}).get("IntegrationUri")
        function = _function_of(uri)
        if function:
            found[logical_id] = (props, function)
    return found


def _http_routes(template: Template) -> list[Route]:
    routes = []
    for props, function_id in _api_routes(template, _apis(template, "HTTP")).values():
        method, path = str(props["RouteKey"]).split(" ", 1)
        function = template.functions[function_id]
        routes.append(
            Route(
                method=method.upper(),
                path=path,
                function=function_id,
                code_dir=function.code_dir,
                handler=function.handler,
                timeout=function.timeout,
                authorized=props.get("AuthorizationType", "NONE") != "NONE",
                scopes=tuple(props.get("AuthorizationScopes", ())),
            )
        )
    return routes


def _websocket(template: Template) -> WebSocketApi | None:
    apis = _apis(template, "WEBSOCKET")
    if not apis:
        return None
    routes = _api_routes(template, apis)
    route_keys = {logical_id: str(props["RouteKey"]) for logical_id, (props, _) in routes.items()}
    authorizer: str | None = None
    identity: str | None = None
    for resource in template.resources.values():
        props = resource.get("Properties", {})
        if (
            resource.get("Type") == "AWS::ApiGatewayV2::Authorizer"
            and _ref(props.get("ApiId")) in apis
        ):
            authorizer = _function_of(props.get("AuthorizerUri"))
            sources = props.get("IdentitySource") or []
            if sources:
                identity = str(sources[0]).rsplit(".", 1)[-1].lower()
    two_way = frozenset(
        route_keys[route_id]
        for r in template.resources.values()
        if r.get("Type") == "AWS::ApiGatewayV2::RouteResponse"
        and (route_id := _ref(r.get("Properties", {}).get("RouteId"))) in route_keys
    )
    return WebSocketApi(
        {route_keys[i]: function for i, (_, function) in routes.items()},
        authorizer,
        identity,
        two_way,
    )


def load_template(path: Path = TEMPLATE) -> Template:
    raw = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    template = Template(raw=raw)
    global_timeout = int(raw.get("Globals", {}).get("Function", {}).get("Timeout", 3))
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        raw_name = props.get("FunctionName")
        resolved = template._resolve(raw_name, {}) if raw_name is not None else None
        template.functions[logical_id] = Function(
            function=logical_id,
            name=resolved or logical_id,
            code_dir=(path.parent / str(props["CodeUri"])).resolve(),
            handler=str(props.get("Handler", "app.lambda_handler")),
            timeout=int(props.get("Timeout", global_timeout)),
        )
    template.routes = _http_routes(template)
    template.websocket = _websocket(template)
    return template


def local_table_name(logical_id: str) -> str:
    """ChatTable -> chat-local, IdempotencyTable -> idempotency-local."""
    base = re.sub(r"Table$", "", logical_id)
    return re.sub(r"(?<!^)(?=[A-Z])", "-", base).lower() + "-local"

"""What a first deploy needs from template.yaml, checked offline (no AWS account here).

CloudFormation rejects some templates only when the change set is created, past
`sam validate` and cfn-lint; these tests check those rules, and the translated
template (SAM's transform, run locally) for what a deploy must contain.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from local.template import CfnTag, load_template

ROOT = Path(__file__).resolve().parents[2]
# The only intrinsic functions CloudFormation accepts inside Rules.
RULE_FUNCTIONS = {
    "And", "Contains", "EachMemberEquals", "EachMemberIn", "Equals", "If", "Not", "Or",
    "RefAll", "ValueOf", "ValueOfAll", "Ref",
}  # fmt: skip


def intrinsics(node: Any) -> set[str]:
    if isinstance(node, CfnTag):
        return {node.tag} | intrinsics(node.value)
    if isinstance(node, dict):
        names = {k.removeprefix("Fn::") for k in node if k.startswith("Fn::") or k == "Ref"}
        return names.union(*(intrinsics(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(intrinsics(v) for v in node))
    return set()


def test_rules_use_only_the_functions_cloudformation_allows_there() -> None:
    rules = load_template().raw.get("Rules", {})
    assert rules, "the template has rules"
    used = intrinsics(rules)
    assert used <= RULE_FUNCTIONS, used - RULE_FUNCTIONS


@lru_cache(maxsize=4)
def translated(*args: str) -> dict[str, Any]:
    """template.yaml after SAM's transform; ``args`` as scripts/translate_template.py's."""
    tools_python = ROOT / ".venv-tools" / "bin" / "python"
    out = subprocess.run(
        [str(tools_python), str(ROOT / "scripts" / "translate_template.py"), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    document: dict[str, Any] = json.loads(out)
    return document


def of_type(kind: str) -> dict[str, Any]:
    return {k: v for k, v in translated()["Resources"].items() if v["Type"] == kind}


def test_the_web_ui_is_served_by_cloudfront_on_the_apis_origin() -> None:
    (distribution,) = of_type("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert "OriginAccessControlId" in origins["web"]  # a private bucket, read through OAC
    assert "ChatApi" in json.dumps(origins["api"]["DomainName"])
    (api_behavior,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    assert api_behavior["TargetOriginId"] == "api" and "POST" in api_behavior["AllowedMethods"]
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": "WebSecurityHeaders"
    }
    (bucket,) = of_type("AWS::S3::Bucket").values()
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())


def test_api_answers_through_cloudfront_are_never_sniffed_or_framed() -> None:
    (distribution,) = of_type("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    (api_behavior,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    assert api_behavior["ResponseHeadersPolicyId"] == {"Ref": "ApiSecurityHeaders"}
    policy = of_type("AWS::CloudFront::ResponseHeadersPolicy")["ApiSecurityHeaders"]
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


def test_cors_allows_every_method_a_route_takes() -> None:
    (api,) = [
        a
        for a in of_type("AWS::ApiGatewayV2::Api").values()
        if a["Properties"].get("ProtocolType") == "HTTP"
    ]
    config = api["Properties"]["CorsConfiguration"]
    allowed = set((config.get("Fn::If", [None, config])[1])["AllowMethods"])
    routes = of_type("AWS::ApiGatewayV2::Route")
    methods = {
        r["Properties"]["RouteKey"].split(" ")[0]
        for r in routes.values()
        if r["Properties"]["ApiId"] == {"Ref": "ChatApi"}
    }
    assert methods <= allowed, methods - allowed


def test_the_page_gets_a_strict_content_security_policy() -> None:
    policy = of_type("AWS::CloudFront::ResponseHeadersPolicy")["WebSecurityHeaders"]
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self' wss://" in csp and "frame-ancestors 'none'" in csp
    assert "img-src 'self';" in csp  # a reply's remote image is a link, never loaded
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True


def test_the_cursor_key_is_never_plaintext_and_only_paging_functions_read_it() -> None:
    text = json.dumps(translated())
    assert "CURSOR_SIGNING_KEY" not in text and "resolve:secretsmanager" not in text
    functions = of_type("AWS::Lambda::Function")
    readers = {
        name
        for name, function in functions.items()
        if "CURSOR_SECRET_ID" in json.dumps(function["Properties"].get("Environment", {}))
    }
    assert readers == {
        "ListConversationsFunction",
        "ListMessagesFunction",
        "ExportConversationFunction",
        "SearchConversationsFunction",
    }


def test_no_function_may_scan_and_each_writes_only_what_it_needs() -> None:
    roles = of_type("AWS::IAM::Role")
    text = json.dumps(roles)
    assert "dynamodb:Scan" not in text and "dynamodb:*" not in text
    reader = json.dumps(roles["GetConversationFunctionRole"])
    assert "dynamodb:PutItem" not in reader and "dynamodb:DeleteItem" not in reader
    assert "secret:${OpenAIApiKeySecretName}-??????" in json.dumps(roles["TurnWorkerFunctionRole"])
    assert "secretsmanager" not in json.dumps(roles["ChatFunctionRole"])  # the worker asks


def test_every_function_logs_to_a_group_with_retention_and_the_api_logs_access() -> None:
    groups = of_type("AWS::Logs::LogGroup")
    assert all("RetentionInDays" in g["Properties"] for g in groups.values())
    for name, function in of_type("AWS::Lambda::Function").items():
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert log_group["Ref"] in groups, name
    stages = of_type("AWS::ApiGatewayV2::Stage").values()
    (stage,) = [s for s in stages if "AccessLogSettings" in s["Properties"]]
    assert '"requestId"' in stage["Properties"]["AccessLogSettings"]["Format"]


def test_data_and_users_survive_a_stack_delete() -> None:
    resources = translated()["Resources"]
    for name in ("ChatTable", "IdempotencyTable", "UserPool"):
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name


def test_each_stage_deploys_with_nothing_else_set() -> None:
    from scripts.deploy_stage import stage_config

    for stage in ("dev", "staging", "prod"):
        config = stage_config(stage)
        assert config["region"] and config["stack_name"] == f"chat-backend-{stage}"
        assert f"Stage={stage}" in config["parameter_overrides"]
    for stage in ("staging", "prod"):  # no localhost callbacks or CORS origins there
        overrides = stage_config(stage)["parameter_overrides"]
        assert 'WebAppUrls=""' in overrides and 'CorsAllowOrigins=""' in overrides


def test_every_stage_gets_its_cloudfront_url_as_callback_and_sign_out_url() -> None:
    client = translated()["Resources"]["UserPoolClient"]["Properties"]
    for urls in (client["CallbackURLs"], client["LogoutURLs"]):
        condition, with_extra, alone = urls["Fn::If"]
        assert condition == "HasExtraWebAppUrls"
        assert alone == [{"Fn::Sub": "https://${WebDistribution.DomainName}/"}]
        assert "https://${WebDistribution.DomainName}/," in json.dumps(with_extra)


def references(node: Any) -> set[str]:
    """Logical ids a resource's properties name (Ref, GetAtt, ${...} of Sub)."""
    if isinstance(node, dict):
        found: set[str] = set()
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                local = set(value[1]) if isinstance(value, list) else set()
                found |= {n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", text)} - local
            found |= references(value)
        return found
    if isinstance(node, list):
        return set().union(*(references(v) for v in node))
    return set()


def test_the_translated_template_has_no_dependency_cycle() -> None:
    """CloudFormation refuses a cycle only when the change set is created."""
    resources = translated()["Resources"]
    graph = {
        name: (references(r.get("Properties", {})) | set(r.get("DependsOn", []))) & set(resources)
        for name, r in resources.items()
    }
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join([*path, name])
        if name not in done:
            for dependency in graph[name]:
                visit(dependency, (*path, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_every_http_route_but_health_requires_the_jwt_authorizer() -> None:
    routes = of_type("AWS::ApiGatewayV2::Route")
    http = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in routes.values()
        if r["Properties"]["ApiId"] == {"Ref": "ChatApi"}
    }
    assert len(http) == 21
    for key, route in http.items():
        if key == "GET /v1/health":
            assert route["AuthorizationType"] == "NONE"
        else:
            assert route["AuthorizationType"] == "JWT", key
            assert route["AuthorizerId"] == {"Ref": "JwtAuthorizer"}, key


def chat_version(*args: str) -> str:
    """The logical id of the chat function's published version (it names the version:
    a new id is a new version, which the alias then points at)."""
    (version,) = [
        name
        for name, resource in translated(*args)["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Version" and name.startswith("ChatFunction")
    ]
    alias = translated(*args)["Resources"]["ChatFunctionAliaslive"]["Properties"]
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
    return str(version)


def test_the_chat_alias_gets_a_new_version_whenever_what_the_function_runs_changes() -> None:
    """With ChatSnapStart the API calls the alias: a new layer (all the logic is there),
    a new handler or a new DeployId (make deploy's hash, parameters included) must each
    publish a version, or the alias would keep running the old code."""
    first = chat_version()
    assert chat_version("--package", "ChatCoreLayer") != first
    assert chat_version("--package", "ChatFunction") != first
    assert chat_version("--package", "StatsFunction") == first  # another function's code
    assert chat_version("DeployId=0123456789") == "ChatFunctionVersion0123456789"
    # and the API calls the alias only with SnapStart on; else the function, as before
    integration = translated()["Resources"]["ChatIntegration"]["Properties"]["IntegrationUri"]
    assert integration["Fn::If"][0] == "UseChatSnapStart"
    assert integration["Fn::If"][1] == {"Ref": "ChatFunctionAliaslive"}

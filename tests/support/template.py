"""Creates the tables of template.yaml (the one source of truth) in any DynamoDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
CREATE_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
)


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short tags (!Ref, !Sub, ...) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _any_tag)


def load_template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # type: ignore[no-any-return]  # noqa: S506 - SafeLoader subclass


def http_routes() -> dict[tuple[str, str], str]:
    """(method, path) -> CodeUri folder of every function behind the HTTP API."""
    routes = {}
    for resource in load_template()["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                key = (event["Properties"]["Method"].lower(), event["Properties"]["Path"])
                routes[key] = resource["Properties"]["CodeUri"].rstrip("/").split("/")[-1]
    return routes


def table_definitions() -> dict[str, dict[str, Any]]:
    """CreateTable arguments of every AWS::DynamoDB::Table, by logical id."""
    tables = {}
    for logical_id, resource in load_template()["Resources"].items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            props = resource["Properties"]
            tables[logical_id] = {k: props[k] for k in CREATE_TABLE_KEYS if k in props}
    return tables


def create_tables(client: Any, names: dict[str, str]) -> None:
    """``names`` maps logical ids to the table names to create."""
    for logical_id, definition in table_definitions().items():
        client.create_table(TableName=names[logical_id], **definition)

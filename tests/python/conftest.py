"""Fixtures: a fogbank release binary on an OS-chosen port, and boto3 SQS clients speaking
either of SQS's wire protocols (current botocore speaks AWS JSON 1.0; the legacy query
protocol is exercised by loading botocore 1.31.0's SQS model, fetched by test.sh)."""

import hashlib
import json
import os
import pathlib
import re
import struct
import subprocess
import threading
import time
import urllib.request
import uuid

import boto3
import botocore.session
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUERY_MODEL_DIR = pathlib.Path(__file__).resolve().parent / ".query-model"


def binary_path():
    """The release binary: $FOGBANK_BIN, else under $CARGO_TARGET_DIR, else target/."""
    if os.environ.get("FOGBANK_BIN"):
        return os.environ["FOGBANK_BIN"]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    if not target.is_absolute():
        target = ROOT / target
    return str(target / "release" / "fogbank")


def start_fogbank(*args):
    """Start the binary on an OS-chosen port with extra `args`; returns (process, endpoint)
    once it logs that it listens. stderr is drained for the process's whole life."""
    proc = subprocess.Popen(
        [binary_path(), "--port", "0", "--log-level", "warn,fogbank=info", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = {}
    seen = []

    def read():
        for line in proc.stderr:
            seen.append(line)
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m and "url" not in found:
                found["url"] = m.group(1)
                ready.set()
        ready.set()

    ready = threading.Event()
    threading.Thread(target=read, daemon=True).start()
    ready.wait(10)
    if "url" not in found:
        proc.kill()
        pytest.fail("fogbank did not start:\n" + "".join(seen))
    return proc, found["url"]


def stop_fogbank(proc):
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def endpoint():
    proc, url = start_fogbank()
    yield url
    stop_fogbank(proc)


def wait_for_long_polls(endpoint, count=1, timeout=10):
    """Wait until `count` ReceiveMessage calls are parked in a long poll on the server (its
    health endpoint counts them), instead of pausing and hoping the request got there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{endpoint}/_fogbank/health") as r:
            if json.load(r)["sqs"]["waiting_receives"] >= count:
                return
        time.sleep(0.005)
    raise AssertionError("no long poll reached the server")


def _session(protocol):
    core = botocore.session.get_session()
    if protocol == "query":
        if not (QUERY_MODEL_DIR / "sqs" / "2012-11-05" / "service-2.json").exists():
            pytest.fail("query model missing: run ./test.sh, which fetches botocore 1.31.0's SQS model")
        loader = core.get_component("data_loader")
        loader.search_paths.insert(0, str(QUERY_MODEL_DIR))
    return boto3.Session(botocore_session=core)


def make_client(endpoint, protocol, access_key="test", region="us-east-1"):
    client = _session(protocol).client(
        "sqs",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="test",
    )
    assert client.meta.service_model.protocol == protocol, client.meta.service_model.protocol
    return client


@pytest.fixture(params=["json", "query"])
def protocol(request):
    return request.param


@pytest.fixture
def sqs(endpoint, protocol):
    return make_client(endpoint, protocol)


@pytest.fixture
def queue_name():
    return "py-" + uuid.uuid4().hex[:16]


def md5_of_attributes(attrs):
    """MD5OfMessageAttributes / MD5OfMessageSystemAttributes as AWS computes them (wire.md 1.7):
    names sorted, length-prefixed name and DataType, then a transport byte and the value."""
    h = hashlib.md5()
    for name in sorted(attrs):
        value = attrs[name]
        for part in (name.encode(), value["DataType"].encode()):
            h.update(struct.pack(">I", len(part)) + part)
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            h.update(b"\x02" + struct.pack(">I", len(raw)) + raw)
        else:
            raw = value["StringValue"].encode()
            h.update(b"\x01" + struct.pack(">I", len(raw)) + raw)
    return h.hexdigest()

"""Lambda through boto3: zipped python and node functions and a custom runtime, invoked every
way, with waiters, versions, aliases, SQS event source mappings and error paths."""

import base64
import io
import json
import os
import time
import uuid
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture
def lam(endpoint):
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def sqs_json(endpoint):
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, (body, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, body)
    return buf.getvalue()


def name():
    return "fn-" + uuid.uuid4().hex[:12]


def create(lam, fn, runtime, handler, files, **extra):
    out = lam.create_function(
        FunctionName=fn,
        Runtime=runtime,
        Role=ROLE,
        Handler=handler,
        Code={"ZipFile": zipped(files)},
        **extra,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=fn)
    return out


def test_python_function_invoke_and_waiters(lam):
    fn = name()
    src = (
        "import os\n"
        "def handler(event, context):\n"
        "    print('log line', event)\n"
        "    return {'got': event, 'fn': context.function_name, 'rid': context.aws_request_id}\n"
    )
    out = create(lam, fn, "python3.12", "app.handler", {"app.py": (src, 0o644)})
    assert out["State"] == "Active"
    assert out["CodeSha256"]
    res = lam.invoke(FunctionName=fn, Payload=json.dumps({"x": 1}), LogType="Tail")
    assert res["StatusCode"] == 200
    assert "FunctionError" not in res
    body = json.loads(res["Payload"].read())
    assert body["got"] == {"x": 1}
    assert body["fn"] == fn
    log = base64.b64decode(res["LogResult"]).decode()
    assert f"START RequestId: {body['rid']}" in log
    assert "log line {'x': 1}" in log
    assert f"REPORT RequestId: {body['rid']}" in log

    lam.update_function_configuration(FunctionName=fn, Environment={"Variables": {"A": "b"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
    cfg = lam.get_function_configuration(FunctionName=fn)
    assert cfg["Environment"]["Variables"] == {"A": "b"}
    assert cfg["LastUpdateStatus"] == "Successful"

    fns = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert fn in fns


def test_node_function_and_function_error(lam):
    fn = name()
    src = "exports.handler = async (event) => { if (event.boom) { throw new Error('kaboom'); } return { twice: event.n * 2 }; };"
    create(lam, fn, "nodejs20.x", "index.handler", {"index.js": (src, 0o644)})
    res = lam.invoke(FunctionName=fn, Payload=json.dumps({"n": 21}))
    assert json.loads(res["Payload"].read()) == {"twice": 42}
    res = lam.invoke(FunctionName=fn, Payload=json.dumps({"boom": True}))
    assert res["StatusCode"] == 200
    assert res["FunctionError"] == "Unhandled"
    err = json.loads(res["Payload"].read())
    assert err["errorType"] == "Error"
    assert err["errorMessage"] == "kaboom"


def test_custom_runtime_bootstrap(lam):
    fn = name()
    bootstrap = (
        "#!/bin/sh\n"
        'API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"\n'
        "while true; do\n"
        '  H="$(mktemp)"\n'
        '  EVENT=$(curl -sS -D "$H" "$API/next")\n'
        "  ID=$(grep -i Lambda-Runtime-Aws-Request-Id \"$H\" | tr -d '[:space:]' | cut -d: -f2)\n"
        '  curl -sS -X POST "$API/$ID/response" -d "{\\"custom\\": $EVENT}" >/dev/null\n'
        "done\n"
    )
    create(lam, fn, "provided.al2023", "bootstrap", {"bootstrap": (bootstrap, 0o755)})
    res = lam.invoke(FunctionName=fn, Payload=b'{"a": [1, 2]}')
    assert json.loads(res["Payload"].read()) == {"custom": {"a": [1, 2]}}


def test_versions_aliases_and_errors(lam):
    fn = name()
    create(lam, fn, "python3.12", "app.handler", {"app.py": ("def handler(e, c):\n    return 'v1'\n", 0o644)})
    v = lam.publish_version(FunctionName=fn)
    assert v["Version"] == "1"
    lam.update_function_code(FunctionName=fn, ZipFile=zipped({"app.py": ("def handler(e, c):\n    return 'v2'\n", 0o644)}))
    lam.create_alias(FunctionName=fn, Name="prod", FunctionVersion="1")
    res = lam.invoke(FunctionName=fn, Qualifier="prod")
    assert res["ExecutedVersion"] == "1"
    assert json.loads(res["Payload"].read()) == "v1"
    assert json.loads(lam.invoke(FunctionName=fn)["Payload"].read()) == "v2"
    assert lam.get_alias(FunctionName=fn, Name="prod")["FunctionVersion"] == "1"

    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName="does-not-exist")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=fn, Payload=b"{oops")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=fn, Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": zipped({"a.py": ("", 0o644)})})
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=name(), Runtime="cobol85", Role=ROLE, Handler="x.y", Code={"ZipFile": zipped({"a.py": ("", 0o644)})})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"

    policy = lam.add_permission(FunctionName=fn, StatementId="sns", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    assert json.loads(policy["Statement"])["Sid"] == "sns"
    assert json.loads(lam.get_policy(FunctionName=fn)["Policy"])["Statement"][0]["Principal"] == {"Service": "sns.amazonaws.com"}
    lam.delete_function(FunctionName=fn)


def test_sqs_event_source_mapping(lam, sqs_json, tmp_path):
    fn = name()
    out = tmp_path / "seen.txt"
    src = (
        "import os\n"
        "def handler(event, context):\n"
        "    with open(os.environ['OUT'], 'a') as f:\n"
        "        for r in event['Records']:\n"
        "            f.write(r['body'] + '\\n')\n"
    )
    create(lam, fn, "python3.12", "app.handler", {"app.py": (src, 0o644)}, Environment={"Variables": {"OUT": str(out)}})
    url = sqs_json.create_queue(QueueName="esm-" + uuid.uuid4().hex[:8])["QueueUrl"]
    arn = sqs_json.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=5)
    for i in range(7):
        sqs_json.send_message(QueueUrl=url, MessageBody=f"m{i}")
    deadline = time.time() + 20
    while time.time() < deadline:
        if out.exists() and len(out.read_text().split()) >= 7:
            break
        time.sleep(0.05)
    assert sorted(out.read_text().split()) == [f"m{i}" for i in range(7)]
    lam.delete_event_source_mapping(UUID=m["UUID"])

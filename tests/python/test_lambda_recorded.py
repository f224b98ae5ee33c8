"""Lambda answers checked against AWS's recorded ones (LocalStack's aws_validated snapshots
of tests/aws/services/lambda_, and AWS's documentation): request ids, code locations,
function states, validation wording, code signing, provisioned concurrency, recursion."""

import io
import json
import time
import urllib.request
import uuid
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
PY = "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('no good ' + context.aws_request_id)\n    return {'rid': context.aws_request_id}\n"


def client(endpoint, service, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def lam(endpoint):
    return client(endpoint, "lambda")


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, body in files.items():
            z.writestr(n, body)
    return buf.getvalue()


def name():
    return "fn-" + uuid.uuid4().hex[:12]


def create(lam, fn=None, src=PY, **extra):
    fn = fn or name()
    args = dict(
        FunctionName=fn,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": src})},
    )
    args.update(extra)
    out = lam.create_function(**args)
    lam.get_waiter("function_active_v2").wait(FunctionName=fn)
    return fn, out


def error(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def test_invoke_request_id_is_the_invocations(lam):
    fn, _ = create(lam)
    res = lam.invoke(FunctionName=fn, Payload=b"{}")
    rid = res["ResponseMetadata"]["RequestId"]
    assert json.loads(res["Payload"].read()) == {"rid": rid}
    res = lam.invoke(FunctionName=fn, Payload=json.dumps({"fail": True}), LogType="Tail")
    rid = res["ResponseMetadata"]["RequestId"]
    assert res["FunctionError"] == "Unhandled"
    assert json.loads(res["Payload"].read())["errorMessage"] == "no good " + rid
    import base64

    log = base64.b64decode(res["LogResult"]).decode()
    assert f"START RequestId: {rid} " in log
    assert f"REPORT RequestId: {rid}\t" in log


def test_async_invoke_request_id_reaches_the_dead_letter_queue(endpoint, lam):
    sqs = client(endpoint, "sqs")
    url = sqs.create_queue(QueueName="dlq-" + uuid.uuid4().hex[:8])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn, _ = create(lam, DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=0)
    res = lam.invoke(FunctionName=fn, InvocationType="Event", Payload=json.dumps({"fail": True}))
    assert res["StatusCode"] == 202
    rid = res["ResponseMetadata"]["RequestId"]
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, MessageAttributeNames=["All"])["Messages"]
    attrs = msgs[0]["MessageAttributes"]
    # AWS's DLQ attributes: RequestID String, ErrorCode Number, ErrorMessage String
    assert attrs["RequestID"] == {"StringValue": rid, "DataType": "String"}
    assert attrs["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attrs["ErrorMessage"] == {"StringValue": "no good " + rid, "DataType": "String"}
    assert json.loads(msgs[0]["Body"]) == {"fail": True}


def test_sns_dead_letter_topic_carries_the_attributes_and_a_reachable_cert_url(endpoint, lam):
    sqs = client(endpoint, "sqs")
    sns = client(endpoint, "sns")
    url = sqs.create_queue(QueueName="dlt-" + uuid.uuid4().hex[:8])["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="dlt-" + uuid.uuid4().hex[:8])["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    fn, _ = create(lam, DeadLetterConfig={"TargetArn": topic})
    lam.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=0)
    res = lam.invoke(FunctionName=fn, InvocationType="Event", Payload=json.dumps({"fail": True}))
    rid = res["ResponseMetadata"]["RequestId"]
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    note = json.loads(msgs[0]["Body"])
    assert json.loads(note["Message"]) == {"fail": True}
    assert note["MessageAttributes"]["RequestID"] == {"Type": "String", "Value": rid}
    assert note["MessageAttributes"]["ErrorCode"] == {"Type": "Number", "Value": "200"}
    assert note["MessageAttributes"]["ErrorMessage"] == {"Type": "String", "Value": "no good " + rid}
    port = endpoint.rsplit(":", 1)[1]
    assert f":{port}/" in note["SigningCertURL"]
    with urllib.request.urlopen(note["SigningCertURL"]) as r:
        assert b"BEGIN CERTIFICATE" in r.read()


def test_code_location_downloads_the_package(lam):
    zip_bytes = zipped({"app.py": PY})
    fn = name()
    lam.create_function(
        FunctionName=fn, Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": zip_bytes}
    )
    loc = lam.get_function(FunctionName=fn)["Code"]
    assert loc["RepositoryType"] == "S3"
    assert loc["Location"].startswith(lam.meta.endpoint_url + "/")
    assert "X-Amz-Signature=" in loc["Location"]
    with urllib.request.urlopen(loc["Location"]) as r:
        assert r.read() == zip_bytes
    tampered = loc["Location"][:-4] + "0000"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered)
    assert e.value.code == 403


def test_states_as_aws_reports_them(lam):
    fn = name()
    out = lam.create_function(
        FunctionName=fn, Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": zipped({"app.py": PY})}
    )
    # recorded CreateFunction answer: Pending, being created, no LastUpdateStatus yet
    assert out["State"] == "Pending"
    assert out["StateReason"] == "The function is being created."
    assert out["StateReasonCode"] == "Creating"
    assert "LastUpdateStatus" not in out
    # an update before the create is seen finished conflicts
    code, msg = error(lam.update_function_configuration, FunctionName=fn, Timeout=10)
    assert code == "ResourceConflictException"
    assert msg == "The operation cannot be performed at this time. The function is currently in the following state: Pending"
    got = lam.get_function_configuration(FunctionName=fn)
    assert got["State"] == "Active"
    assert got["LastUpdateStatus"] == "Successful"
    assert "StateReason" not in got and "LastUpdateStatusReason" not in got
    assert got["RevisionId"] != out["RevisionId"]

    upd = lam.update_function_configuration(FunctionName=fn, Timeout=10)
    assert upd["State"] == "Active"
    assert upd["LastUpdateStatus"] == "InProgress"
    assert upd["LastUpdateStatusReason"] == "The function is being created."
    assert upd["LastUpdateStatusReasonCode"] == "Creating"
    # a second change right after the first: AWS's ResourceConflictException
    for call, kwargs in (
        (lam.update_function_configuration, {"Timeout": 11}),
        (lam.update_function_code, {"ZipFile": zipped({"app.py": PY + "\n"})}),
        (lam.publish_version, {}),
    ):
        code, msg = error(call, FunctionName=fn, **kwargs)
        assert code == "ResourceConflictException"
        assert msg == (
            "The operation cannot be performed at this time. An update is in progress for resource: "
            + got["FunctionArn"]
        )
    t0 = time.monotonic()
    lam.get_waiter("function_updated_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 5})
    assert time.monotonic() - t0 < 2, "the waiter returns on its first poll"
    after = lam.get_function(FunctionName=fn)["Configuration"]
    assert after["LastUpdateStatus"] == "Successful" and after["Timeout"] == 10
    assert after["RevisionId"] != upd["RevisionId"]

    upd = lam.update_function_code(FunctionName=fn, ZipFile=zipped({"app.py": PY + "\n"}))
    assert upd["LastUpdateStatus"] == "InProgress"
    assert upd["LastUpdateStatusReasonCode"] == "Creating"
    lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
    assert lam.publish_version(FunctionName=fn)["Version"] == "1"


@pytest.mark.parametrize("runtime", ["java8", "go1.x", "provided", "python3.7", "nodejs12.x", "nodejs14.x"])
def test_deprecated_runtimes_are_refused_for_create(lam, runtime):
    code, msg = error(
        lam.create_function,
        FunctionName=name(),
        Runtime=runtime,
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": PY})},
    )
    assert code == "InvalidParameterValueException"
    assert msg == (
        f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
        "functions. We recommend you use a supported runtime while creating or updating functions."
    )


def test_unknown_runtime_lists_awss_valid_runtimes(lam):
    code, msg = error(
        lam.create_function,
        FunctionName=name(),
        Runtime="non-existent-runtime",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": PY})},
    )
    assert code == "InvalidParameterValueException"
    assert msg.startswith(
        "Value non-existent-runtime at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023,"
    )
    assert msg.endswith("python3.8, python3.9] or be a valid ARN")


def test_name_and_qualifier_validation(lam):
    code, msg = error(lam.get_function, FunctionName="a" * 65)
    assert code == "ValidationException"
    assert "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?" in msg
    fn, _ = create(lam)
    code, msg = error(lam.get_function, FunctionName=fn, Qualifier="a" * 129)
    assert code == "ValidationException"
    assert msg == (
        f"1 validation error detected: Value '{'a' * 129}' at 'qualifier' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )

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


def lambda_client(endpoint, region="us-east-1", **config):
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(**config),
    )


@pytest.fixture
def lam(endpoint):
    return lambda_client(endpoint)


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
    assert out["State"] == "Pending"  # as AWS answers CreateFunction; the waiter saw Active
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


# ----- control-plane conformance: AWS's recorded answers (LocalStack's
# tests/aws/services/lambda_/test_lambda_api.snapshot.json) -----


@pytest.fixture
def lam_raw(endpoint):
    """A client that sends what it is given (no client-side validation), as the AWS-recorded
    tests call it, so the server's own checks answer."""
    return lambda_client(endpoint, parameter_validation=False)


def aws_error(call, **kwargs):
    """(HTTP status, error code, message) of a call that must fail."""
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def simple_function(lam, **extra):
    fn = name()
    create(lam, fn, "python3.12", "app.handler", {"app.py": ("def handler(e, c):\n    return e\n", 0o644)}, **extra)
    return fn, lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]


def test_function_lookup_errors_as_aws_words_them(lam, endpoint):
    fn, arn = simple_function(lam)
    prefix = arn.rsplit(":", 1)[0]
    # test_get_function_wrong_region: a full ARN of another region
    other = lambda_client(endpoint, region="eu-west-1")
    for call in (other.get_function, other.get_function_configuration, other.delete_function):
        assert aws_error(call, FunctionName=arn) == (
            404,
            "ResourceNotFoundException",
            "Functions from 'us-east-1' are not reachable in this region ('eu-west-1')",
        )
    # test_ops_with_arn_qualifier_mismatch: the qualifiers are compared before the lookup
    missing = f"{prefix}:some-function"
    for call in (lam.get_function, lam.get_function_configuration, lam.delete_function):
        assert aws_error(call, FunctionName=f"{missing}:1", Qualifier="$LATEST") == (
            400,
            "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier.",
        )
    for call in (lam.get_function, lam.get_function_configuration):
        assert aws_error(call, FunctionName=f"{missing}:$LATEST", Qualifier="$LATEST") == (
            404,
            "ResourceNotFoundException",
            f"Function not found: {missing}:$LATEST",
        )
    assert aws_error(lam.delete_function, FunctionName=f"{missing}:$LATEST", Qualifier="$LATEST") == (
        400,
        "InvalidParameterValueException",
        "$LATEST version cannot be deleted without deleting the function.",
    )
    # test_delete_on_nonexisting_version: DeleteFunction names the unqualified ARN
    assert aws_error(lam.delete_function, FunctionName=missing, Qualifier="1") == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {missing}",
    )


def test_get_function_keeps_the_qualifier_in_the_arn(lam):
    # test_publish_version_on_create / test_alias_lifecycle: a read through $LATEST or an alias
    # answers FunctionArn as named, with the alias's version
    fn, arn = simple_function(lam)
    lam.publish_version(FunctionName=fn)
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    latest = lam.get_function(FunctionName=fn, Qualifier="$LATEST")["Configuration"]
    assert (latest["FunctionArn"], latest["Version"]) == (f"{arn}:$LATEST", "$LATEST")
    aliased = lam.get_function_configuration(FunctionName=f"{fn}:live")
    assert (aliased["FunctionArn"], aliased["Version"]) == (f"{arn}:live", "1")
    assert lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"] == arn
    assert aws_error(lam.get_function, FunctionName=fn, Qualifier="nope") == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {arn}:nope",
    )


def test_event_invoke_config_errors_and_shape(lam_raw):
    # test_lambda_eventinvokeconfig_exceptions
    lam = lam_raw
    fn, arn = simple_function(lam)
    other, other_arn = simple_function(lam)
    lam.publish_version(FunctionName=fn)
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    prefix = arn.rsplit(":", 1)[0]
    gone = (404, "ResourceNotFoundException", "The function doesn't exist.")
    assert aws_error(lam.put_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=1) == gone
    assert aws_error(lam.put_function_event_invoke_config, FunctionName=f"{prefix}:doesnotexist", MaximumRetryAttempts=1) == gone
    assert aws_error(lam.put_function_event_invoke_config, FunctionName=fn, Qualifier="livedoesnotexist", MaximumRetryAttempts=1) == gone
    assert aws_error(lam.update_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=0) == gone
    assert aws_error(lam.list_function_event_invoke_configs, FunctionName="doesnotexist") == gone
    assert aws_error(lam.put_function_event_invoke_config, FunctionName="doesnotexist") == (
        400,
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
    )
    put = lam.put_function_event_invoke_config
    assert aws_error(put, FunctionName=fn, DestinationConfig={"OnSuccess": {"Destination": f"{prefix}:doesnotexist"}}) == (
        400,
        "InvalidParameterValueException",
        f"The destination ARN {prefix}:doesnotexist is invalid.",
    )
    assert aws_error(put, FunctionName=fn, DestinationConfig={"OnSuccess": {"Destination": arn}}) == (
        400,
        "InvalidParameterValueException",
        "You can't specify the function as a destination for itself.",
    )
    iam = arn.replace(":lambda:", ":iam:")
    assert aws_error(put, FunctionName=fn, DestinationConfig={"OnSuccess": {"Destination": iam}}) == (
        400,
        "InvalidParameterValueException",
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={iam}), onFailure=null) is invalid.",
    )
    bad = arn.replace(":lambda:", ":_-/!lambda:")
    assert aws_error(put, FunctionName=fn, DestinationConfig={"OnFailure": {"Destination": bad}}) == (
        400,
        "ValidationException",
        f"1 validation error detected: Value '{bad}' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\\\-])+:([a-z]{{2}}((-gov)|(-iso(b?)))?-[a-z]+-\\\\d{{1}})?:(\\\\d{{12}})?:(.*)",
    )
    ok = put(FunctionName=fn, DestinationConfig={"OnSuccess": {"Destination": other_arn}})
    assert ok["DestinationConfig"] == {"OnSuccess": {"Destination": other_arn}, "OnFailure": {}}
    assert "MaximumRetryAttempts" not in ok and "MaximumEventAgeInSeconds" not in ok
    # put replaces: only what was given is answered
    put(FunctionName=fn, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    after = put(FunctionName=fn, MaximumRetryAttempts=0)
    assert after["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in after
    assert put(FunctionName=f"{fn}:live", MaximumRetryAttempts=1)["FunctionArn"] == f"{arn}:live"
    lam.delete_function_event_invoke_config(FunctionName=fn, Qualifier="live")
    missing = (404, "ResourceNotFoundException")
    assert aws_error(lam.get_function_event_invoke_config, FunctionName="doesnotexist") == (
        *missing,
        f"The function {prefix}:doesnotexist:$LATEST doesn't have an EventInvokeConfig",
    )
    assert aws_error(lam.delete_function_event_invoke_config, FunctionName="doesnotexist") == (
        *missing,
        f"The function {prefix}:doesnotexist:$LATEST doesn't have an EventInvokeConfig",
    )
    assert aws_error(lam.get_function_event_invoke_config, FunctionName=fn, Qualifier="doesnotexist") == (
        *missing,
        f"The function {arn}:doesnotexist doesn't have an EventInvokeConfig",
    )
    assert aws_error(lam.update_function_event_invoke_config, FunctionName=f"{arn}:live", MaximumRetryAttempts=0) == (
        *missing,
        f"The function {arn}:live doesn't have an EventInvokeConfig",
    )


def test_function_concurrency_errors(lam):
    # test_function_concurrency_exceptions / test_ops_on_nonexisting_fn[get_function_concurrency]
    fn, arn = simple_function(lam)
    prefix = arn.rsplit(":", 1)[0]
    lam.publish_version(FunctionName=fn)
    assert aws_error(lam.put_function_concurrency, FunctionName="doesnotexist", ReservedConcurrentExecutions=1) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {prefix}:doesnotexist:$LATEST",
    )
    assert aws_error(lam.get_function_concurrency, FunctionName="doesnotexist") == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {prefix}:doesnotexist",
    )
    assert aws_error(lam.put_function_concurrency, FunctionName=f"{arn}:1", ReservedConcurrentExecutions=1) == (
        400,
        "InvalidParameterValueException",
        "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.",
    )


def test_alias_routing_config_errors(lam_raw):
    # test_notfound_and_invalid_routingconfigs
    lam = lam_raw
    fn, arn = simple_function(lam)
    lam.publish_version(FunctionName=fn)
    lam.update_function_configuration(FunctionName=fn, Environment={"Variables": {"testenv": "prod"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
    assert lam.publish_version(FunctionName=fn)["Version"] == "2"

    def alias(version="1", weights=None, function=fn):
        kw = {"RoutingConfig": {"AdditionalVersionWeights": weights}} if weights is not None else {}
        return aws_error(lam.create_alias, FunctionName=function, Name="custom", FunctionVersion=version, **kw)

    weights_error = "1 validation error detected: Value '{%s}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
    assert alias(weights={"2": 0.5, "3": 0.5}) == (
        400,
        "InvalidParameterValueException",
        "Number of items in AdditionalVersionWeights cannot be greater than 1",
    )
    value_rule = "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"
    assert alias(weights={"2": 2}) == (400, "ValidationException", weights_error % "2=2.0" + value_rule)
    assert alias(weights={"2": -1}) == (400, "ValidationException", weights_error % "2=-1.0" + value_rule)
    assert alias(weights={"1": 0.5}) == (
        400,
        "InvalidParameterValueException",
        "Invalid function version 1. Function version 1 is already included in routing configuration.",
    )
    assert alias(version="10", weights={"2": 0.5}) == (404, "ResourceNotFoundException", f"Function not found: {arn}:10")
    assert alias(weights={"10": 0.5}) == (404, "ResourceNotFoundException", f"Function not found: {arn}:10")
    assert alias(version="$LATEST", weights={"1": 0.5}) == (
        400,
        "InvalidParameterValueException",
        "$LATEST is not supported for an alias pointing to more than 1 version",
    )
    assert alias(weights={"$LATEST": 0.5}) == (
        400,
        "ValidationException",
        weights_error % "$LATEST=0.5"
        + "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]",
    )
    assert alias(function=f"{fn}-unknown", weights={"2": 0.5}) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {arn}-unknown:1",
    )
    empty = lam.create_alias(FunctionName=fn, Name="empty", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in empty


def test_publish_after_a_description_change_is_a_new_version(lam):
    # test_version_lifecycle: only the description changed, yet AWS publishes version 2; a
    # publish with nothing changed returns it again
    fn, _ = simple_function(lam)
    lam.update_function_configuration(FunctionName=fn, Description="First version :)")
    lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
    first = lam.publish_version(FunctionName=fn, Description="First version description :)")
    assert (first["Version"], first["Description"]) == ("1", "First version description :)")
    assert lam.publish_version(FunctionName=fn)["Version"] == "1"
    lam.update_function_configuration(FunctionName=fn, Description="Second version :))")
    lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
    second = lam.publish_version(FunctionName=fn)
    assert (second["Version"], second["Description"]) == ("2", "Second version :))")
    assert lam.publish_version(FunctionName=fn)["Version"] == "2"


def test_event_source_mapping_errors(lam_raw, sqs_json):
    # test_event_source_mapping_exceptions
    lam = lam_raw
    unknown = "00000000-0000-0000-0000-000000000000"
    gone = (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert aws_error(lam.get_event_source_mapping, UUID=unknown) == gone
    assert aws_error(lam.delete_event_source_mapping, UUID=unknown) == gone
    assert aws_error(lam.update_event_source_mapping, UUID=unknown, Enabled=False) == gone
    fn, _ = simple_function(lam)
    assert aws_error(lam.create_event_source_mapping, FunctionName=fn) == (
        400,
        "InvalidParameterValueException",
        "Unrecognized event source.",
    )
    url = sqs_json.create_queue(QueueName="esm-" + uuid.uuid4().hex[:8])["QueueUrl"]
    arn = sqs_json.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for source in (arn, arn + "-missing"):
        assert aws_error(lam.create_event_source_mapping, FunctionName="doesnotexist", EventSourceArn=source) == (
            400,
            "InvalidParameterValueException",
            "Function does not exist",
        )


def test_tag_errors(lam_raw):
    # test_tag_exceptions / test_tag_versions
    lam = lam_raw
    fn, arn = simple_function(lam)
    lam.publish_version(FunctionName=fn)
    status, code, message = aws_error(lam.tag_resource, Resource="arn:aws:something", Tags={"a": "b"})
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)")
    versions = (400, "InvalidParameterValueException", "Tags on function aliases and versions are not supported. Please specify a function ARN.")
    for qualified in (f"{arn}:1", f"{arn}:$LATEST", f"{arn}:doesnotexist"):
        assert aws_error(lam.tag_resource, Resource=qualified, Tags={"a": "b"}) == versions
    assert aws_error(lam.tag_resource, Resource=f"{arn}x", Tags={"a": "b"}) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {arn}x",
    )
    assert aws_error(lam.untag_resource, Resource=arn, TagKeys=[]) == (
        400,
        "ValidationException",
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
    )
    assert aws_error(lam.tag_resource, Resource=arn, Tags={}) == (
        400,
        "InvalidParameterValueException",
        "An error occurred and the request cannot be processed.",
    )
    lam.untag_resource(Resource=arn, TagKeys=["nomatch"])
    assert lam.list_tags(Resource=arn)["Tags"] == {}


def test_permission_errors_and_per_qualifier_policies(lam_raw):
    # test_permission_exceptions / test_lambda_permission_fn_versioning
    lam = lam_raw
    fn, arn = simple_function(lam)
    prefix = arn.rsplit(":", 1)[0]
    s3 = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::test-bucket"}
    add = lam.add_permission
    assert aws_error(add, FunctionName=fn, StatementId="example.com", **s3) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    )
    assert aws_error(add, FunctionName=f"{fn}:alias-not-42", StatementId="s3", Qualifier="42", **s3) == (
        400,
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
    )
    assert aws_error(add, FunctionName=f"{fn}:$LATEST", StatementId="s3", Qualifier="$LATEST", **s3) == (
        400,
        "InvalidParameterValueException",
        "We currently do not support adding policies for $LATEST.",
    )
    assert aws_error(add, FunctionName=fn, StatementId="lambda", Action="lambda:InvokeFunction", Principal="invalid.nonaws.com", SourceAccount="000000000000") == (
        400,
        "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.",
    )
    gone = (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert aws_error(lam.get_policy, FunctionName="doesnotexist") == (404, "ResourceNotFoundException", f"Function not found: {prefix}:doesnotexist")
    assert aws_error(lam.get_policy, FunctionName=fn, Qualifier="77") == gone
    assert aws_error(add, FunctionName="doesnotexist", StatementId="s3", **s3) == (404, "ResourceNotFoundException", f"Function not found: {prefix}:doesnotexist")
    assert aws_error(lam.remove_permission, FunctionName=fn, StatementId="s3") == (404, "ResourceNotFoundException", "No policy is associated with the given resource.")
    assert aws_error(add, FunctionName=f"{fn}:alias-doesnotexist", StatementId="s3", **s3) == (
        404,
        "ResourceNotFoundException",
        f"Cannot find alias arn: {arn}:alias-doesnotexist",
    )
    assert aws_error(add, FunctionName=fn, StatementId="s3", Qualifier="42", **s3) == (404, "ResourceNotFoundException", f"Function not found: {arn}:42")
    assert aws_error(add, FunctionName=fn, StatementId="s3", Qualifier="invalid-qualifier-with-?-char", **s3) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
    )
    assert aws_error(add, FunctionName=fn, StatementId="s3", Qualifier="valid-with-$-but-doesnotexist", **s3) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {arn}:valid-with-$-but-doesnotexist",
    )
    add(FunctionName=fn, StatementId="s3", **s3)
    assert aws_error(add, FunctionName=fn, StatementId="s3", **s3) == (
        409,
        "ResourceConflictException",
        "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.",
    )
    assert aws_error(lam.remove_permission, FunctionName="doesnotexist", StatementId="s3") == (404, "ResourceNotFoundException", f"No policy found for: {prefix}:doesnotexist")
    assert aws_error(lam.remove_permission, FunctionName=fn, StatementId="s3", Qualifier="alias-doesnotexist") == (
        404,
        "ResourceNotFoundException",
        f"Cannot find alias arn: {arn}:alias-doesnotexist",
    )
    # policies are per qualifier: a new version starts without one, and a statement id may repeat
    lam.publish_version(FunctionName=fn)
    assert aws_error(lam.get_policy, FunctionName=fn, Qualifier="1") == gone
    add(FunctionName=f"{fn}:1", StatementId="s3", Qualifier="1", **s3)
    versioned = json.loads(lam.get_policy(FunctionName=fn, Qualifier="1")["Policy"])["Statement"]
    assert [s["Resource"] for s in versioned] == [f"{arn}:1"]
    assert [s["Resource"] for s in json.loads(lam.get_policy(FunctionName=fn)["Policy"])["Statement"]] == [arn]
    # SourceAccount and PrincipalOrgID share one StringEquals condition
    both = add(FunctionName=fn, StatementId="org", Action="lambda:InvokeFunctionUrl", Principal="*", SourceAccount="000000000000", PrincipalOrgID="o-1234567890")
    assert json.loads(both["Statement"])["Condition"]["StringEquals"] == {"AWS:SourceAccount": "000000000000", "aws:PrincipalOrgID": "o-1234567890"}


def test_create_architectures_and_list_function_versions(lam_raw):
    # test_create_lambda_exceptions (multiple_architectures, uppercase_architecture) and
    # test_list_functions (list_functions_invalid_functionversion, list_all)
    lam = lam_raw
    code = {"ZipFile": zipped({"app.py": ("def handler(e, c):\n    return e\n", 0o644)})}
    base = {"Runtime": "python3.12", "Role": ROLE, "Handler": "app.handler", "Code": code}
    assert aws_error(lam.create_function, FunctionName=name(), Architectures=["x86_64", "arm64"], **base) == (
        400,
        "ValidationException",
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
    )
    assert aws_error(lam.create_function, FunctionName=name(), Architectures=["X86_64"], **base) == (
        400,
        "ValidationException",
        "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    )
    assert aws_error(lam.list_functions, FunctionVersion="invalid") == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
    )
    fn, arn = simple_function(lam)
    lam.publish_version(FunctionName=fn)
    everything = [f["FunctionArn"] for f in lam.list_functions(FunctionVersion="ALL")["Functions"] if f["FunctionName"] == fn]
    assert everything == [f"{arn}:$LATEST", f"{arn}:1"]
    assert [f["FunctionArn"] for f in lam.list_functions()["Functions"] if f["FunctionName"] == fn] == [arn]


def test_layer_errors(lam_raw):
    # test_layer_exceptions
    lam = lam_raw
    content = {"ZipFile": zipped({"python/x.py": ("X = 1\n", 0o644)})}
    layer = "layer-" + uuid.uuid4().hex[:8]
    published = lam.publish_layer_version(LayerName=layer, Content=content, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    assert "LicenseInfo" not in published
    below = (400, "InvalidParameterValueException", "Layer Version Cannot be less than 1")
    assert aws_error(lam.get_layer_version, LayerName=layer, VersionNumber=-1) == below
    assert aws_error(lam.get_layer_version, LayerName=layer, VersionNumber=0) == below
    assert aws_error(lam.delete_layer_version, LayerName=layer, VersionNumber=0) == below
    assert aws_error(lam.get_layer_version, LayerName=layer, VersionNumber=2) == (
        404,
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    )
    unversioned = published["LayerArn"]
    assert aws_error(lam.get_layer_version_by_arn, Arn=unversioned) == (
        400,
        "ValidationException",
        f"1 validation error detected: Value '{unversioned}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{{2}}((-gov)|(-iso(b?)))?-[a-z]+-\\\\d{{1}}:\\\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+",
    )
    assert aws_error(lam.get_layer_version_by_arn, Arn=f"{unversioned}:2")[2] == "The resource you requested does not exist."
    status, code, message = aws_error(lam.list_layers, CompatibleArchitecture="archdoesnotexist")
    assert (status, code, message) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
    )
    status, code, message = aws_error(lam.list_layers, CompatibleRuntime="runtimedoesnotexist")
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: [")
    status, code, message = aws_error(lam.publish_layer_version, LayerName=layer, Content=content, CompatibleRuntimes=["invalidruntime"], CompatibleArchitectures=["invalidarch"])
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("2 validation errors detected: Value '[invalidruntime]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [")
    assert message.endswith("; Value '[invalidarch]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
    names = [l["LayerName"] for l in lam.list_layers(CompatibleRuntime="python3.12")["Layers"]]
    assert layer in names
    assert layer not in [l["LayerName"] for l in lam.list_layers(CompatibleArchitecture="arm64")["Layers"]]


def test_function_layer_errors(lam_raw, endpoint):
    # test_layer_function_exceptions
    lam = lam_raw
    content = {"ZipFile": zipped({"python/x.py": ("X = 1\n", 0o644)})}
    layer = "layer-" + uuid.uuid4().hex[:8]
    v1 = lam.publish_layer_version(LayerName=layer, Content=content)["LayerVersionArn"]
    v2 = lam.publish_layer_version(LayerName=layer, Content=content)["LayerVersionArn"]
    fn, _ = simple_function(lam)
    same = "Two different versions of the same layer are not allowed to be referenced in the same function. {} and {} are versions of the same layer."
    update = lam.update_function_configuration
    assert aws_error(update, FunctionName=fn, Layers=[v1, v2]) == (400, "InvalidParameterValueException", same.format(v1, v2))
    assert aws_error(update, FunctionName=fn, Layers=[v1, v1]) == (400, "InvalidParameterValueException", same.format(v1, v1))
    unversioned = v1.rsplit(":", 1)[0]
    assert aws_error(update, FunctionName=fn, Layers=[unversioned]) == (
        400,
        "ValidationException",
        f"1 validation error detected: Value '[{unversioned}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]",
    )
    assert aws_error(update, FunctionName=fn, Layers=[f"{unversioned}:9"]) == (
        400,
        "InvalidParameterValueException",
        f"Layer version {unversioned}:9 does not exist.",
    )
    other = lambda_client(endpoint, region="eu-west-1")
    elsewhere = other.publish_layer_version(LayerName=layer, Content=content)["LayerVersionArn"]
    assert aws_error(update, FunctionName=fn, Layers=[elsewhere]) == (
        400,
        "InvalidParameterValueException",
        "Layers are not in the same region as the function. Layers are expected to be in region us-east-1.",
    )


def test_environment_limit_message_quotes_the_variables(lam):
    # test_large_environment_variables_fails / test_lambda_envvars_near_limit_succeeds: keys
    # and values may total 4096 characters; beyond, AWS quotes the variables as JSON
    key = "LARGE_VAR"
    fn, _ = simple_function(lam, Environment={"Variables": {key: "x" * (4096 - len(key))}})
    big = {key: "x" * (4096 - len(key) + 1)}
    assert aws_error(lam.update_function_configuration, FunctionName=fn, Environment={"Variables": big}) == (
        400,
        "InvalidParameterValueException",
        "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: "
        + json.dumps(big, separators=(",", ":")),
    )


def test_version_and_invoke_config_listings(lam):
    # test_version_lifecycle (list_versions_result: $LATEST by its qualified ARN) and
    # test_lambda_eventinvokeconfig_lifecycle / _exceptions (MaxItems and NextMarker paging)
    fn, arn = simple_function(lam)
    lam.publish_version(FunctionName=fn)
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    versions = lam.list_versions_by_function(FunctionName=fn)["Versions"]
    assert [v["FunctionArn"] for v in versions] == [f"{arn}:$LATEST", f"{arn}:1"]
    first = lam.list_versions_by_function(FunctionName=fn, MaxItems=1)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST"]
    rest = lam.list_versions_by_function(FunctionName=fn, Marker=first["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["1"] and "NextMarker" not in rest
    for q in ("$LATEST", "1", "live"):
        lam.put_function_event_invoke_config(FunctionName=fn, Qualifier=q, MaximumRetryAttempts=1)
    paged = lam.list_function_event_invoke_configs(FunctionName=fn, MaxItems=2)
    assert len(paged["FunctionEventInvokeConfigs"]) == 2 and paged["NextMarker"]
    remaining = lam.list_function_event_invoke_configs(FunctionName=fn, Marker=paged["NextMarker"], MaxItems=2)
    seen = [c["FunctionArn"] for c in paged["FunctionEventInvokeConfigs"] + remaining["FunctionEventInvokeConfigs"]]
    assert sorted(seen) == sorted(f"{arn}:{q}" for q in ("$LATEST", "1", "live"))


def test_invalid_zip_is_refused_with_aws_words(lam):
    # test_create_lambda_exceptions (invalid_zip_exc): the message is AWS's, nothing appended
    assert aws_error(lam.create_function, FunctionName=name(), Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": b"this is not a zip"}) == (
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )


def test_layer_policy_errors(lam_raw):
    # test_layer_policy_exceptions
    lam = lam_raw
    content = {"ZipFile": zipped({"python/x.py": ("X = 1\n", 0o644)})}
    layer = "layer4policy-" + uuid.uuid4().hex[:8]
    published = lam.publish_layer_version(LayerName=layer, Content=content, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    arn = published["LayerArn"]
    allow = {"Action": "lambda:GetLayerVersion", "Principal": "*"}
    assert aws_error(lam.get_layer_version_policy, LayerName=layer, VersionNumber=1) == (
        404,
        "ResourceNotFoundException",
        "No policy is associated with the given resource.",
    )
    added = lam.add_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="s1", **allow)
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(added["Statement"]) == {"Sid": "s1", "Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion", "Resource": f"{arn}:1"}
    assert list(json.loads(added["Statement"])) == ["Sid", "Effect", "Principal", "Action", "Resource"]
    assert uuid.UUID(added["RevisionId"])
    assert aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=1, Action="*", Principal="*", StatementId="s-x") == (
        400,
        "ValidationException",
        "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion",
    )
    assert aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="s1", **allow) == (
        409,
        "ResourceConflictException",
        "The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement.",
    )
    wrong_revision = (
        412,
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
    )
    assert aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="s2", RevisionId="wrong", **allow) == wrong_revision
    missing = (404, "ResourceNotFoundException", f"Layer version {arn}-doesnotexist:1 does not exist.")
    assert aws_error(lam.add_layer_version_permission, LayerName=f"{layer}-doesnotexist", VersionNumber=1, StatementId="s-x", **allow) == missing
    assert aws_error(lam.get_layer_version_policy, LayerName=f"{layer}-doesnotexist", VersionNumber=1) == missing
    assert aws_error(lam.remove_layer_version_permission, LayerName=f"{layer}-doesnotexist", VersionNumber=1, StatementId="s1") == missing
    missing = (404, "ResourceNotFoundException", f"Layer version {arn}:2 does not exist.")
    assert aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=2, StatementId="s-x", **allow) == missing
    assert aws_error(lam.get_layer_version_policy, LayerName=layer, VersionNumber=2) == missing
    assert aws_error(lam.remove_layer_version_permission, LayerName=layer, VersionNumber=2, StatementId="s1") == missing
    assert aws_error(lam.remove_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="doesnotexist") == (
        404,
        "ResourceNotFoundException",
        "Statement doesnotexist is not found in resource policy.",
    )
    assert aws_error(lam.remove_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="s1", RevisionId="wrong") == wrong_revision
    # the failed calls changed nothing
    policy = lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    assert policy["RevisionId"] == added["RevisionId"]
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["s1"]
    # the model's constraints (not recorded against AWS: the code and the field are asserted)
    status, code, message = aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="s3", Action="lambda:GetLayerVersion", Principal="s3.amazonaws.com")
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value 's3.amazonaws.com' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: ")
    status, code, message = aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="a.b", **allow)
    assert (status, code, message) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'a.b' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    )
    status, code, message = aws_error(lam.add_layer_version_permission, LayerName=layer, VersionNumber=1, StatementId="s3", OrganizationId="org", **allow)
    assert (status, code) == (400, "ValidationException")
    assert "Value 'org' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}" in message
    below = (400, "InvalidParameterValueException", "Layer Version Cannot be less than 1")
    assert aws_error(lam.get_layer_version_policy, LayerName=layer, VersionNumber=0) == below


def test_layer_policy_lifecycle(lam):
    # test_layer_policy_lifecycle, then cross-account and organization statements
    content = {"ZipFile": zipped({"python/x.py": ("X = 1\n", 0o644)})}
    layer = "testlayer-" + uuid.uuid4().hex[:8]
    arn = lam.publish_layer_version(LayerName=layer, Content=content)["LayerArn"]
    statement = {"Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion", "Resource": f"{arn}:1"}
    s1 = lam.add_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="s1", Action="lambda:GetLayerVersion", Principal="*")
    policy = lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    assert policy["RevisionId"] == s1["RevisionId"]
    doc = json.loads(policy["Policy"])
    assert doc == {"Version": "2012-10-17", "Id": "default", "Statement": [{"Sid": "s1", **statement}]}
    assert list(doc) == ["Version", "Id", "Statement"]
    s2 = lam.add_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="s2", Action="lambda:GetLayerVersion", Principal="*", RevisionId=policy["RevisionId"])
    assert s2["RevisionId"] != s1["RevisionId"]
    assert json.loads(s2["Statement"]) == {"Sid": "s2", **statement}
    postadd2 = lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    assert postadd2["RevisionId"] == s2["RevisionId"]
    assert json.loads(postadd2["Policy"])["Statement"] == [{"Sid": "s1", **statement}, {"Sid": "s2", **statement}]
    removed = lam.remove_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="s2", RevisionId=postadd2["RevisionId"])
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    postdelete = lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    assert postdelete["RevisionId"] not in (s1["RevisionId"], s2["RevisionId"])
    assert json.loads(postdelete["Policy"])["Statement"] == [{"Sid": "s1", **statement}]
    # an account id becomes its root ARN; OrganizationId a PrincipalOrgID condition (AWS's example)
    x = lam.add_layer_version_permission(LayerName=arn, VersionNumber=1, StatementId="xaccount", Action="lambda:GetLayerVersion", Principal="223456789012")
    assert x["Statement"] == json.dumps(
        {"Sid": "xaccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::223456789012:root"}, "Action": "lambda:GetLayerVersion", "Resource": f"{arn}:1"},
        separators=(",", ":"),
    )
    org = lam.add_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="org", Action="lambda:GetLayerVersion", Principal="*", OrganizationId="o-1234567890")
    assert json.loads(org["Statement"])["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}
    # removing the last statement leaves no policy; deleting the version drops its policy
    for sid in ("s1", "xaccount", "org"):
        lam.remove_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId=sid)
    with pytest.raises(ClientError) as e:
        lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    assert e.value.response["Error"]["Message"] == "No policy is associated with the given resource."
    lam.add_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="s1", Action="lambda:GetLayerVersion", Principal="*")
    lam.delete_layer_version(LayerName=layer, VersionNumber=1)
    with pytest.raises(ClientError) as e:
        lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    assert e.value.response["Error"]["Message"] == f"Layer version {arn}:1 does not exist."

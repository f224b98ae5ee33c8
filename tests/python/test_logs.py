"""CloudWatch Logs through boto3 (and the AWS CLI v1 for get-log-events/filter-log-events):
groups and streams, PutLogEvents' current rules, GetLogEvents tokens both ways,
FilterLogEvents patterns and paging as `aws logs tail --follow` drives it, retention, tags,
and a python Lambda's output landing in /aws/lambda/<function> or its LoggingConfig group."""

import json
import os
import pathlib
import subprocess
import sys
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from test_lambda import ROLE, create, lambda_client, name

DAY = 86_400_000


@pytest.fixture
def logs(endpoint):
    return boto3.client(
        "logs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def group(logs):
    g = "/py/" + uuid.uuid4().hex[:12]
    logs.create_log_group(logGroupName=g)
    return g


def now_ms():
    return int(time.time() * 1000)


def error(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    err = e.value.response["Error"]
    return err["Code"], err["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def put(logs, group, stream, messages, ts=None):
    ts = ts or now_ms()
    return logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": ts + i, "message": m} for i, m in enumerate(messages)],
    )


def test_groups_and_streams_crud(logs):
    g = "/py/crud-" + uuid.uuid4().hex[:8]
    logs.create_log_group(logGroupName=g, tags={"env": "test"})
    assert error(logs.create_log_group, logGroupName=g) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
        400,
    )
    groups = logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"]
    assert len(groups) == 1
    got = groups[0]
    assert got["logGroupName"] == g
    assert got["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{g}:*"
    assert got["logGroupArn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{g}"
    assert got["logGroupClass"] == "STANDARD"
    assert got["metricFilterCount"] == 0
    assert "retentionInDays" not in got

    logs.create_log_stream(logGroupName=g, logStreamName="b")
    logs.create_log_stream(logGroupName=g, logStreamName="a")
    assert error(logs.create_log_stream, logGroupName=g, logStreamName="a")[:2] == (
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
    )
    streams = logs.describe_log_streams(logGroupName=g)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["a", "b"]
    assert streams[0]["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{g}:log-stream:a"
    by_arn = logs.describe_log_streams(logGroupIdentifier=got["logGroupArn"])["logStreams"]
    assert [s["logStreamName"] for s in by_arn] == ["a", "b"]
    assert error(logs.describe_log_streams, logGroupName=g, logGroupIdentifier=g)[:2] == (
        "ValidationException",
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    )
    assert error(
        logs.describe_log_streams, logGroupName=g, logStreamNamePrefix="a", orderBy="LastEventTime"
    )[0] == "InvalidParameterException"

    logs.delete_log_stream(logGroupName=g, logStreamName="a")
    assert error(logs.delete_log_stream, logGroupName=g, logStreamName="a")[:2] == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
    logs.delete_log_group(logGroupName=g)
    assert error(logs.delete_log_group, logGroupName=g)[:2] == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    assert error(logs.create_log_stream, logGroupName=g, logStreamName="x")[1] == (
        "The specified log group does not exist."
    )
    assert error(logs.create_log_group, logGroupName="a" * 513)[:2] == (
        "InvalidParameterException",
        "Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
    )
    assert error(logs.create_log_group, logGroupName="bad name!")[0] == "InvalidParameterException"


def test_describe_log_groups_pages_and_patterns(logs):
    base = "/py/page-" + uuid.uuid4().hex[:8]
    for i in range(5):
        logs.create_log_group(logGroupName=f"{base}/g{i}")
    names = []
    for page in logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=base, PaginationConfig={"PageSize": 2}
    ):
        assert len(page["logGroups"]) <= 2
        names += [g["logGroupName"] for g in page["logGroups"]]
    assert names == [f"{base}/g{i}" for i in range(5)]
    hit = logs.describe_log_groups(logGroupNamePattern=base[4:] + "/g3")["logGroups"]
    assert [g["logGroupName"] for g in hit] == [f"{base}/g3"]
    assert error(
        logs.describe_log_groups, logGroupNamePrefix=base, logGroupNamePattern="x"
    )[1] == "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."


def test_put_log_events_current_rules(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    out = put(logs, group, "s", ["one", "two"])
    assert "rejectedLogEventsInfo" not in out
    assert out["nextSequenceToken"]
    # Sequence tokens are no longer checked: a made-up one is accepted.
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        sequenceToken="12345",
        logEvents=[{"timestamp": now_ms(), "message": "three"}],
    )
    t = now_ms()
    assert error(
        logs.put_log_events,
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}],
    ) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
        400,
    )
    # Too old (over 14 days), then good ones, then too new (over 2 hours ahead).
    events = [
        {"timestamp": t - 15 * DAY, "message": "old"},
        {"timestamp": t - 10, "message": "fine"},
        {"timestamp": t + 3 * 3_600_000, "message": "new"},
    ]
    # The batch spans more than 24 hours: refused whole.
    assert error(logs.put_log_events, logGroupName=group, logStreamName="s", logEvents=events)[0] == (
        "InvalidParameterException"
    )
    out = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": t - 10, "message": "fine"}, {"timestamp": t + 3 * 3_600_000, "message": "new"}],
    )
    assert out["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    logs.create_log_stream(logGroupName=group, logStreamName="old")
    out = logs.put_log_events(
        logGroupName=group,
        logStreamName="old",
        logEvents=[
            {"timestamp": t - 15 * DAY, "message": "old"},
            {"timestamp": t - 15 * DAY + 5, "message": "old2"},
        ],
    )
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    # Retention: older than the retention period is "expired".
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    out = logs.put_log_events(
        logGroupName=group,
        logStreamName="old",
        logEvents=[{"timestamp": t - 25 * 3_600_000, "message": "x"}, {"timestamp": t - 3_600_000, "message": "y"}],
    )
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}
    # Batch limits.
    assert "Upload too large" in error(
        put, logs=logs, group=group, stream="s", messages=["x" * 600_000, "y" * 600_000]
    )[1]
    assert error(put, logs=logs, group=group, stream="s", messages=["z"] * 10_001)[0] == (
        "InvalidParameterException"
    )
    assert error(put, logs=logs, group=group, stream="nope", messages=["z"])[1] == (
        "The specified log stream does not exist."
    )
    msgs = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)["events"]]
    assert sorted(msgs) == ["fine", "one", "three", "two"]


def test_get_log_events_tokens_both_ways(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms() - 1000
    put(logs, group, "s", [f"m{i}" for i in range(10)], ts=t)
    first = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=4)
    assert [e["message"] for e in first["events"]] == ["m0", "m1", "m2", "m3"]
    assert first["nextForwardToken"].startswith("f/") and first["nextBackwardToken"].startswith("b/")
    e0 = first["events"][0]
    assert e0["timestamp"] == t and e0["ingestionTime"] >= t
    second = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=first["nextForwardToken"], limit=4
    )
    assert [e["message"] for e in second["events"]] == ["m4", "m5", "m6", "m7"]
    back = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=second["nextBackwardToken"], limit=2
    )
    assert [e["message"] for e in back["events"]] == ["m2", "m3"]
    third = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=second["nextForwardToken"])
    assert [e["message"] for e in third["events"]] == ["m8", "m9"]
    # At the end the forward token comes back unchanged (how SDK paginators stop).
    end = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=third["nextForwardToken"])
    assert end["events"] == [] and end["nextForwardToken"] == third["nextForwardToken"]
    # New events appear after that token.
    put(logs, group, "s", ["late"])
    assert [e["message"] for e in logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=third["nextForwardToken"]
    )["events"]] == ["late"]
    # Without a token and startFromHead false: the newest events.
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3)
    assert [e["message"] for e in tail["events"]] == ["m8", "m9", "late"]
    # Time window.
    win = logs.get_log_events(logGroupName=group, logStreamName="s", startTime=t + 2, endTime=t + 4, startFromHead=True)
    assert [e["message"] for e in win["events"]] == ["m2", "m3"]
    assert error(logs.get_log_events, logGroupName=group, logStreamName="s", nextToken="f/bogus") == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
        400,
    )
    assert error(logs.get_log_events, logGroupName=group, logStreamName="s", limit=10_001)[1] == (
        "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000"
    )
    assert error(logs.get_log_events, logGroupName=group + "x", logStreamName="s")[1] == (
        "The specified log group does not exist."
    )


def test_filter_log_events_patterns(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="app")
    logs.create_log_stream(logGroupName=group, logStreamName="web")
    t = now_ms() - 5000
    put(logs, group, "app", [
        "ERROR db timeout",
        "WARN disk 91%",
        "INFO started",
        json.dumps({"level": "ERROR", "latency": 250, "user": {"id": "u-1"}}),
        json.dumps({"level": "INFO", "latency": 50}),
        "ERROR: health check failed",
    ], ts=t)
    put(logs, group, "web", ['127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 404 2326'], ts=t + 2)

    def f(pattern, **kw):
        out = logs.filter_log_events(logGroupName=group, filterPattern=pattern, **kw)
        return [e["message"] for e in out["events"]]

    assert len(f("")) == 7
    assert f("ERROR timeout") == ["ERROR db timeout"]
    assert f("?WARN ?started") == ["WARN disk 91%", "INFO started"]
    assert f('"ERROR:" -"health check"') == []
    assert f("ERROR -health -latency") == ["ERROR db timeout"]
    assert f('{ $.level = "ERROR" }') == [json.dumps({"level": "ERROR", "latency": 250, "user": {"id": "u-1"}})]
    assert len(f("{ $.latency > 100 }")) == 1
    assert len(f('{ $.latency < 100 || $.user.id = "u-*" }')) == 2
    assert len(f('{ $.level = "INFO" && $.latency > 100 }')) == 0
    assert len(f("[ip, id, user, ts, request, status = 404, size > 1000]")) == 1
    assert len(f("[..., status >= 400 && status < 500, size]")) == 1
    assert f("%^ERROR [a-z]+ t%") == ["ERROR db timeout"]
    assert len(f('{ $.user.id = %u-[0-9]+% }')) == 1
    assert f('?"WARN" "91%" ?"INFO" "nothing"') == ["WARN disk 91%"]
    # Interleaved across streams, by timestamp; stream selection.
    assert f("404", logStreamNames=["app"]) == []
    assert len(f("", logStreamNamePrefix="we")) == 1
    all_events = logs.filter_log_events(logGroupName=group)["events"]
    assert [e["timestamp"] for e in all_events] == sorted(e["timestamp"] for e in all_events)
    assert {e["logStreamName"] for e in all_events} == {"app", "web"}
    assert len({e["eventId"] for e in all_events}) == 7
    assert error(logs.filter_log_events, logGroupName=group, filterPattern="ERROR:")[0] == (
        "InvalidParameterException"
    )
    assert error(logs.filter_log_events, logGroupName=group, filterPattern="{ $.level = }")[0] == (
        "InvalidParameterException"
    )
    assert error(
        logs.filter_log_events, logGroupName=group, logStreamNames=["a"], logStreamNamePrefix="a"
    )[0] == "InvalidParameterException"
    assert error(logs.filter_log_events, logGroupName=group, nextToken="garbage!") == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
        400,
    )


def test_tail_follow_call_sequence(logs, group):
    """What `aws logs tail GROUP --follow` (CLI v2) does: FilterLogEvents with logGroupName,
    interleaved=True and startTime, nextToken while there are more pages, then polling from
    the newest timestamp seen, skipping eventIds it has printed."""
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    start = now_ms() - 10_000
    put(logs, group, "s", [f"e{i}" for i in range(25)], ts=start + 1)
    kwargs = {"logGroupName": group, "interleaved": True, "startTime": start, "limit": 10}
    seen, printed = {}, []

    def poll():
        while True:
            resp = logs.filter_log_events(**kwargs)
            for e in resp["events"]:
                if e["eventId"] not in seen.setdefault(e["timestamp"], set()):
                    seen[e["timestamp"]].add(e["eventId"])
                    printed.append(e["message"])
            if "nextToken" in resp:
                kwargs["nextToken"] = resp["nextToken"]
            else:
                kwargs.pop("nextToken", None)
                if seen:
                    kwargs["startTime"] = max(seen)
                return

    poll()
    assert printed == [f"e{i}" for i in range(25)]
    poll()
    assert printed == [f"e{i}" for i in range(25)]
    put(logs, group, "s", ["later-1", "later-2"], ts=now_ms())
    poll()
    assert printed[25:] == ["later-1", "later-2"]
    # By ARN too (logGroupIdentifier), as newer CLIs send for ARNs.
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupArn"]
    assert len(logs.filter_log_events(logGroupIdentifier=arn)["events"]) == 27


def test_retention_and_tags(logs, group):
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 7
    code, message, _ = error(logs.put_retention_policy, logGroupName=group, retentionInDays=2)
    assert code == "InvalidParameterException" and "retentionInDays" in message
    # Retention applies on read: an 8-day-old event is hidden while it is set.
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.delete_retention_policy(logGroupName=group)
    put(logs, group, "s", ["ancient"], ts=now_ms() - 8 * DAY)
    put(logs, group, "s", ["recent"])
    assert len(logs.filter_log_events(logGroupName=group)["events"]) == 2
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == ["recent"]
    assert [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName="s")["events"]] == ["recent"]
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]

    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupArn"]
    logs.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    logs.tag_log_group(logGroupName=group, tags={"c": "3"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2", "c": "3"}
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    logs.untag_log_group(logGroupName=group, tags=["c"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"b": "2"}
    assert error(logs.list_tags_for_resource, resourceArn=arn + "-gone")[0] == "ResourceNotFoundException"


def wait_for(fetch, check, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        got = fetch()
        if check(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_python_lambda_output_lands_in_its_log_group(endpoint, logs):
    lam = lambda_client(endpoint)
    fn = name()
    code = (
        "import logging\n"
        "def handler(event, context):\n"
        "    print('hello from', context.function_name)\n"
        "    print('two\\nlines')\n"
        "    logging.getLogger().error('bad thing')\n"
        "    return {'group': context.log_group_name, 'stream': context.log_stream_name}\n"
    )
    create(lam, fn, "python3.12", "app.handler", {"app.py": (code, 0o644)})
    out = json.loads(lam.invoke(FunctionName=fn)["Payload"].read())
    group = f"/aws/lambda/{fn}"
    assert out["group"] == group
    stream = out["stream"]
    assert stream.startswith(time.strftime("%Y/%m/%d/", time.gmtime()) + "[$LATEST]")
    assert len(stream.split("]")[1]) == 32
    lam.invoke(FunctionName=fn)

    def messages():
        return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]

    got = wait_for(messages, lambda m: sum(x.startswith("REPORT") for x in m) == 2)
    assert got[0].startswith("INIT_START Runtime Version: python3.12")
    assert got[1].startswith("START RequestId: ") and got[1].endswith(" Version: $LATEST\n")
    assert f"hello from {fn}\n" in got
    assert "two\n" in got and "lines\n" in got
    assert any(m.startswith("[ERROR]\t") and "bad thing" in m for m in got)
    reports = [m for m in got if m.startswith("REPORT RequestId: ")]
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[1]
    assert all("\tBilled Duration: " in r and r.endswith("\t\n") for r in reports)
    assert sum(m.startswith("END RequestId: ") for m in got) == 2
    # One environment, one stream, named as AWS names it.
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [stream]
    assert streams[0]["lastEventTimestamp"] >= streams[0]["firstEventTimestamp"]
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupName"] == group
    # FilterLogEvents finds the REPORT lines as `aws logs tail --filter-pattern REPORT` would.
    assert len(logs.filter_log_events(logGroupName=group, filterPattern="REPORT")["events"]) == 2
    # A deleted group is created again by the next invocation.
    logs.delete_log_group(logGroupName=group)
    lam.invoke(FunctionName=fn)
    got = wait_for(messages, lambda m: any(x.startswith("REPORT") for x in m))
    assert any(x.startswith("REPORT") for x in got)


def test_logging_config_custom_group_and_json(endpoint, logs):
    lam = lambda_client(endpoint)
    fn = name()
    custom = "/custom/" + fn
    code = (
        "import logging, os\n"
        "def handler(event, context):\n"
        "    print('plain')\n"
        "    logging.getLogger('app').info('structured %s', 42)\n"
        "    logging.getLogger('app').debug('below the level')\n"
        "    return {'group': context.log_group_name, 'format': os.environ.get('AWS_LAMBDA_LOG_FORMAT')}\n"
    )
    create(
        lam, fn, "python3.12", "app.handler", {"app.py": (code, 0o644)},
        LoggingConfig={"LogGroup": custom, "LogFormat": "JSON"},
    )
    conf = lam.get_function_configuration(FunctionName=fn)["LoggingConfig"]
    assert conf == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO", "LogGroup": custom}
    out = json.loads(lam.invoke(FunctionName=fn)["Payload"].read())
    assert out == {"group": custom, "format": "JSON"}

    def messages():
        return [e["message"] for e in logs.filter_log_events(logGroupName=custom)["events"]]

    got = wait_for(messages, lambda m: any("platform.report" in x for x in m))
    records = [json.loads(m) for m in got if m.startswith("{")]
    types = [r.get("type") for r in records if "type" in r]
    assert types == ["platform.initStart", "platform.start", "platform.report"]
    app = [r for r in records if "level" in r]
    assert len(app) == 1, got
    assert app[0]["message"] == "structured 42" and app[0]["level"] == "INFO" and app[0]["logger"] == "app"
    assert app[0]["timestamp"].endswith("Z") and len(app[0]["requestId"]) == 36
    hits = logs.filter_log_events(logGroupName=custom, filterPattern='{ $.level = "INFO" && $.message = "structured*" }')
    assert len(hits["events"]) == 1
    report = json.loads([m for m in got if "platform.report" in m][0])
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) >= {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"}
    assert "plain\n" in got
    assert error(logs.describe_log_streams, logGroupName=f"/aws/lambda/{fn}")[0] == "ResourceNotFoundException"
    # A JSON pattern picks the platform records.
    hits = logs.filter_log_events(logGroupName=custom, filterPattern='{ $.type = "platform.report" }')
    assert len(hits["events"]) == 1


def test_cli_v1_get_and_filter_log_events(endpoint, logs, group):
    aws = pathlib.Path(sys.executable).parent / "aws"
    if not aws.exists():
        pytest.skip(f"no AWS CLI at {aws}")
    logs.create_log_stream(logGroupName=group, logStreamName="cli")
    put(logs, group, "cli", ["alpha", "beta ERROR", "gamma"])
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")

    def cli(*args):
        out = subprocess.run(
            [str(aws), "--endpoint-url", endpoint, "--output", "json", "logs", *args],
            env=env, capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    got = cli("get-log-events", "--log-group-name", group, "--log-stream-name", "cli", "--start-from-head")
    assert [e["message"] for e in got["events"]] == ["alpha", "beta ERROR", "gamma"]
    got = cli("filter-log-events", "--log-group-name", group, "--filter-pattern", "ERROR")
    assert [e["message"] for e in got["events"]] == ["beta ERROR"]


def test_reset_clears_log_groups():
    from conftest import start_fogbank, stop_fogbank
    import urllib.request

    proc, url = start_fogbank()
    try:
        client = boto3.client(
            "logs", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )
        client.create_log_group(logGroupName="/reset/me")
        req = urllib.request.Request(f"{url}/_fogbank/reset?service=logs", method="POST")
        with urllib.request.urlopen(req) as r:
            assert json.load(r) == {"reset": ["logs"]}
        assert client.describe_log_groups()["logGroups"] == []
    finally:
        stop_fogbank(proc)

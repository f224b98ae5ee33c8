"""The fogbank pytest fixtures as a project would use them: SQS, SNS to SQS and a python
Lambda through boto3 clients, a fresh server per test, and the environment-variable mode."""

import io
import json
import os
import sys
import urllib.request
import zipfile

import boto3
import pytest

import fogbank as fogbank_pkg


def python_zip(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", source)
    return buf.getvalue()


def test_binary_comes_from_the_wheel():
    if os.environ.get("FOGBANK_BIN"):
        pytest.skip("FOGBANK_BIN overrides the wheel's binary")
    path = fogbank_pkg.binary_path()
    assert os.path.realpath(path).startswith(os.path.realpath(sys.prefix)), path


def test_sqs_round_trip(fogbank):
    sqs = fogbank.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert url.startswith(fogbank.endpoint_url)
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in got] == ["hello"]


def test_sns_fans_out_to_sqs(fogbank):
    sqs, sns = fogbank.client("sqs"), fogbank.client("sns")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="events")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="order 42", Subject="new order")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    envelope = json.loads(got[0]["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == topic
    assert envelope["Message"] == "order 42"
    assert envelope["Subject"] == "new order"


def test_python_lambda(fogbank):
    lam = fogbank.client("lambda")
    lam.create_function(
        FunctionName="double",
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": python_zip("def handler(event, context):\n    return {'doubled': event['n'] * 2}\n")},
    )
    out = lam.invoke(FunctionName="double", Payload=json.dumps({"n": 21}))
    assert "FunctionError" not in out
    assert json.load(out["Payload"]) == {"doubled": 42}


def test_reset_wipes_the_session_server(fogbank):
    sqs = fogbank.client("sqs")
    sqs.create_queue(QueueName="leftover")
    assert fogbank.reset("sqs") == ["sqs"]
    assert sqs.list_queues().get("QueueUrls", []) == []
    assert {"sqs", "sns", "lambda", "s3"} <= set(fogbank.reset())


def test_fresh_server_is_isolated(fogbank, fogbank_fresh):
    assert fogbank_fresh.endpoint_url != fogbank.endpoint_url
    fogbank.client("sqs").create_queue(QueueName="shared-only")
    assert fogbank_fresh.client("sqs").list_queues().get("QueueUrls", []) == []
    fogbank_fresh.client("sqs").create_queue(QueueName="fresh-only")
    names = [u.rsplit("/", 1)[1] for u in fogbank.client("sqs").list_queues()["QueueUrls"]]
    assert "fresh-only" not in names


def test_env_mode_points_plain_boto3_at_fogbank(fogbank_env):
    assert os.environ["AWS_ENDPOINT_URL"] == fogbank_env.endpoint_url
    assert os.environ["AWS_REGION"] == "us-east-1"
    # Code under test that builds its own clients from the environment.
    sns = boto3.client("sns")
    arn = sns.create_topic(Name="from-env")["TopicArn"]
    topics = [t["TopicArn"] for t in fogbank_env.client("sns").list_topics()["Topics"]]
    assert arn in topics


def test_server_class_without_fixtures():
    with fogbank_pkg.Fogbank(args=["--region", "eu-west-1"]) as server:
        assert server.running
        assert server.health()["services"]
        url = server.client("sqs").create_queue(QueueName="q")["QueueUrl"]
        assert url.startswith(server.endpoint_url)
    assert not server.running
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server.endpoint_url}/_fogbank/health", timeout=5)


def test_python_dash_m_fogbank_runs_the_binary():
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "fogbank", "--version"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert "fogbank" in proc.stdout


def test_failing_test_gets_the_server_log(pytester):
    pytester.makepyfile(
        """
        def test_boom(fogbank_fresh):
            fogbank_fresh.client("sqs").get_queue_url(QueueName="missing")
        """
    )
    result = pytester.runpytest_subprocess("--fogbank-arg=--log-level=debug")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fogbank log (http://127.0.0.1:*)*"])
    result.stdout.fnmatch_lines(["*listening on http://127.0.0.1:*"])


def test_options_reach_the_binary(pytester, tmp_path):
    config = tmp_path / "fogbank.toml"
    config.write_text('[[queues]]\nname = "from-config"\n')
    pytester.makepyfile(
        """
        def test_configured(fogbank):
            urls = fogbank.client("sqs").list_queues()["QueueUrls"]
            assert [u.rsplit("/", 1)[1] for u in urls] == ["from-config"]
        """
    )
    result = pytester.runpytest_subprocess(f"--fogbank-config={config}")
    result.assert_outcomes(passed=1)


def test_data_dir_keeps_the_session_servers_state(pytester, tmp_path):
    data = tmp_path / "state"
    pytester.makepyfile(
        test_first="""
        def test_create(fogbank):
            fogbank.client("sqs").create_queue(QueueName="kept")
        """
    )
    pytester.runpytest_subprocess(f"--fogbank-data-dir={data}").assert_outcomes(passed=1)
    pytester.makepyfile(
        test_first="""
        def test_still_there(fogbank, fogbank_fresh):
            urls = fogbank.client("sqs").list_queues()["QueueUrls"]
            assert [u.rsplit("/", 1)[1] for u in urls] == ["kept"]
            # a fresh server never shares the session's data dir
            assert fogbank_fresh.client("sqs").list_queues().get("QueueUrls", []) == []
        """
    )
    pytester.runpytest_subprocess(f"--fogbank-data-dir={data}").assert_outcomes(passed=1)

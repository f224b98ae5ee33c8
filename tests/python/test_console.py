"""The console's pages and forms against boto3 (the browser tests are tests/js/console.test.js):
a message boto3 sends shows on its queue page (escaped, not received), a message the page's
form sends is what boto3 receives, a publish through the topic form reaches an SQS subscriber
and its outcome shows, and a purge without its confirmation changes nothing."""

import html
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(endpoint, path, **params):
    url = f"{endpoint}/_fogbank/ui/{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as res:
        return res.status, res.read().decode()


def post(endpoint, path, fields, origin=None):
    """A form POST as the console's page sends it; returns (status, Location)."""
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(f"{endpoint}/_fogbank/ui/{path}", data=data, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    req.add_header("Origin", origin or endpoint)
    req.add_header("Sec-Fetch-Site", "same-origin")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as res:
            return res.status, res.headers.get("Location")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location")


@pytest.fixture
def queue(endpoint):
    sqs = client("sqs", endpoint)
    url = sqs.create_queue(QueueName=f"console-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs, url, arn


def test_a_message_boto3_sends_shows_on_the_queue_page_without_being_received(endpoint, queue):
    sqs, url, arn = queue
    body = f"<order id='{uuid.uuid4().hex[:8]}'> & more"
    sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
    )
    status, page = get(endpoint, "queue", arn=arn)
    assert status == 200
    assert html.escape(body, quote=False) in page
    assert body not in page
    assert "kind (String)" in page
    got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"]
    assert got[0]["Body"] == body
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"


def test_a_message_the_page_sends_is_what_boto3_receives(endpoint, queue):
    sqs, url, arn = queue
    status, location = post(endpoint, "queue/send", {"arn": arn, "body": "from the form"})
    assert status == 303
    assert "done=Sent+message" in location
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
    assert got[0]["Body"] == "from the form"
    # Another origin's page cannot use the form.
    status, _ = post(
        endpoint, "queue/send", {"arn": arn, "body": "forged"}, origin="http://localhost:1"
    )
    assert status == 403


def test_purge_needs_its_confirmation(endpoint, queue):
    sqs, url, arn = queue
    sqs.send_message(QueueUrl=url, MessageBody="keep")
    status, location = post(endpoint, "queue/purge", {"arn": arn})
    assert status == 303 and "error=" in location
    count = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert count["Attributes"]["ApproximateNumberOfMessages"] == "1"
    status, location = post(endpoint, "queue/purge", {"arn": arn, "confirm": "yes"})
    assert status == 303 and "done=Purged" in location
    count = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert count["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_publish_from_the_topic_form_reaches_sqs_and_shows_its_outcomes(endpoint, queue):
    sqs, url, arn = queue
    sns = client("sns", endpoint)
    topic = sns.create_topic(Name=f"console-{uuid.uuid4().hex[:12]}")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"kind": ["order"]}), "RawMessageDelivery": "true"},
    )
    status, location = post(
        endpoint,
        "topic/publish",
        {"arn": topic, "message": "filtered", "attributes": "kind=refund"},
    )
    assert status == 303 and "done=Published" in location
    status, location = post(
        endpoint,
        "topic/publish",
        {"arn": topic, "message": "delivered", "attributes": "kind=order"},
    )
    assert status == 303 and "done=Published" in location
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MessageAttributeNames=["All"])
    assert [m["Body"] for m in got["Messages"]] == ["delivered"]
    assert got["Messages"][0]["MessageAttributes"]["kind"]["StringValue"] == "order"
    _, page = get(endpoint, "topic", arn=topic)
    assert "filtered out" in page
    assert "delivered" in page

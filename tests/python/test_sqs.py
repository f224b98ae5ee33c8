"""SQS through boto3, over both wire protocols (see conftest.py)."""

import hashlib
import json
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, md5_of_attributes, wait_for_long_polls


def error_of(excinfo):
    return excinfo.value.response["Error"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_queue_lifecycle(sqs, queue_name, endpoint):
    url = sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert url == f"{endpoint}/000000000000/{queue_name}"
    assert sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=queue_name)["QueueUrl"] == url
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{queue_name}"
    assert url in sqs.list_queues(QueueNamePrefix=queue_name)["QueueUrls"]
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "46"})
    err, status = error_of(e)
    assert (err["Code"], status) == ("QueueAlreadyExists", 400)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.get_queue_url(QueueName=queue_name)
    err, status = error_of(e)
    assert (err["Code"], status) == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def test_messages_with_attributes_and_md5s(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    attrs = {
        "s": {"DataType": "String", "StringValue": "v"},
        "n": {"DataType": "Number.int", "StringValue": "5"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
    }
    body = 'tricky "body" <x> & \r\n end'
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs) == "d7693a5b0204d42ff123219abe4c00ef"
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])
    (m,) = got["Messages"]
    assert m["Body"] == body
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == attrs
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"
    ]["ApproximateNumberOfMessages"] == "0"


def test_batches_with_partial_failure(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    out = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok1", "MessageBody": "one"},
            {"Id": "bad", "MessageBody": "x", "DelaySeconds": 901},
            {"Id": "ok2", "MessageBody": "two"},
        ],
    )
    assert sorted(e["Id"] for e in out["Successful"]) == ["ok1", "ok2"]
    (failed,) = out["Failed"]
    assert failed["Id"] == "bad" and failed["SenderFault"] and failed["Code"] == "InvalidParameterValue"
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    vis = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[{"Id": f"v{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(got)],
    )
    assert len(vis["Successful"]) == 2
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(again)]
    )
    assert len(deleted["Successful"]) == 2 and not deleted.get("Failed")
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}])
    assert error_of(e)[0]["Code"] == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


def test_long_poll_returns_when_a_message_arrives(sqs, queue_name, endpoint):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    result = {}

    def poll():
        start = time.monotonic()
        result["r"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        result["t"] = time.monotonic() - start

    t = threading.Thread(target=poll)
    t.start()
    wait_for_long_polls(endpoint)
    sqs.send_message(QueueUrl=url, MessageBody="wake")
    t.join(15)
    assert result["r"]["Messages"][0]["Body"] == "wake"
    assert result["t"] < 5


def test_dead_letter_queue_redrive(sqs, queue_name):
    dlq = sqs.create_queue(QueueName=queue_name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(
        QueueName=queue_name,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})},
    )["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    assert len(sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]) == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert moved[0]["Body"] == "poison"
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}


def test_fifo_ordering_and_dedup(sqs, queue_name):
    url = sqs.create_queue(
        QueueName=queue_name + ".fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="g")
    dup = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
    assert dup["MessageId"] == first["MessageId"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == ["1", "2"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g"
    assert int(got[0]["Attributes"]["SequenceNumber"]) < int(got[1]["Attributes"]["SequenceNumber"])
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    err, status = error_of(e)
    assert (err["Code"], status) == ("MissingParameter", 400)


def test_purge_tags_and_permissions(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name, tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Sid"] == "l1"
    sqs.remove_permission(QueueUrl=url, Label="l1")
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    err, status = error_of(e)
    assert (err["Code"], status) == ("AWS.SimpleQueueService.PurgeQueueInProgress", 403)


def test_accounts_are_isolated(endpoint, protocol, queue_name):
    a = make_client(endpoint, protocol, access_key="111111111111")
    b = make_client(endpoint, protocol, access_key="222222222222")
    url = a.create_queue(QueueName=queue_name)["QueueUrl"]
    assert "/111111111111/" in url
    with pytest.raises(b.exceptions.QueueDoesNotExist):
        b.get_queue_url(QueueName=queue_name)


def test_invalid_input_errors(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    cases = [
        (lambda: sqs.send_message(QueueUrl=url, MessageBody="\x00"), "InvalidMessageContents"),
        (lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11), "InvalidParameterValue"),
        (lambda: sqs.create_queue(QueueName="bad name"), "InvalidParameterValue"),
        (lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "901"}), "InvalidAttributeValue"),
        (lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"]), "InvalidAttributeName"),
        (lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage"), "ReceiptHandleIsInvalid"),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as e:
            call()
        err, status = error_of(e)
        assert (err["Code"], status) == (code, 400), err


def test_health_endpoints(endpoint):
    with urllib.request.urlopen(endpoint + "/_localstack/health") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/json")
        body = json.load(r)
    assert body["services"]["sqs"] == "running"
    assert isinstance(body["edition"], str) and body["edition"]
    assert isinstance(body["version"], str) and body["version"]
    # LocalStack's service states; scripts wait for "running" or "available".
    states = {"available", "running", "disabled", "initialized", "starting", "stopping", "stopped", "error"}
    assert set(body["services"].values()) <= states, body
    with urllib.request.urlopen(endpoint + "/_fogbank/health") as r:
        assert r.status == 200
        body = json.load(r)
    assert body["services"]["sqs"] == "running"
    assert isinstance(body["version"], str) and body["version"]

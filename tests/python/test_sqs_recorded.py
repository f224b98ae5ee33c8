"""SQS answers compared with what AWS answered in recorded runs (LocalStack's AWS-validated
tests/aws/services/sqs/test_sqs.snapshot.json; the recorded test is named in each test),
through boto3 over both wire protocols."""

import json
import time

import pytest
from botocore.exceptions import ClientError


def failure(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_queue_name_as_queue_url(sqs, queue_name):
    # test_posting_to_queue_via_queue_name
    sqs.create_queue(QueueName=queue_name)
    sent = sqs.send_message(QueueUrl=queue_name, MessageBody="Using name instead of URL")
    assert sent["MD5OfMessageBody"] == "86a83f96652a1bfad3891e7d523750cb"
    err, status = failure(lambda: sqs.send_message(QueueUrl="http://localhost:4566/" + queue_name, MessageBody="x"))
    assert (err["Code"], status) == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def test_message_attribute_name_filters(sqs, queue_name):
    # test_receive_message_message_attribute_names_filters
    url = sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    attrs = {
        "Help.Me": {"DataType": "String", "StringValue": "Me"},
        "Hello": {"DataType": "String", "StringValue": "There"},
        "General": {"DataType": "String", "StringValue": "Kenobi"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == "4c360f3fdafd970e05fae2f149d997f5"
    for names, keys, digest in [
        (["*"], {"General", "Hello", "Help.Me"}, "4c360f3fdafd970e05fae2f149d997f5"),
        ([".*"], {"General", "Hello", "Help.Me"}, "4c360f3fdafd970e05fae2f149d997f5"),
        (["Hello", "General"], {"General", "Hello"}, "fca026605781cb4126a1e9044df24232"),
        (["Foo", "Hello"], {"Hello"}, "a311262e065454b75da111d535b8dacd"),
        (["Hel.*"], {"Hello", "Help.Me"}, "83fee93c1bcd8b9a5a923ffacdc636c7"),
    ]:
        (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=names)["Messages"]
        assert set(m["MessageAttributes"]) == keys, names
        assert m["MD5OfMessageAttributes"] == digest, names
    for names in (["AWS."], ["..foo"], ["Foo", "Help"]):
        (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=names)["Messages"]
        assert not m.get("MessageAttributes") and "MD5OfMessageAttributes" not in m


def test_attribute_names_and_values(sqs, queue_name):
    # test_send_message_with_invalid_string_attributes,
    # test_invalid_string_attributes_cause_invalid_parameter_value_error
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes={"attr.1øßä": {"StringValue": "Valida", "DataType": "String"}})
    bad = {"attr1": {"StringValue": f"Invalid-{chr(8)},{chr(11)}", "DataType": "String"}}
    err, status = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes=bad))
    assert (err["Code"], status) == ("InvalidParameterValue", 400)


def test_fifo_expired_receipt_handle(sqs, queue_name):
    # test_fifo_delete_message_with_expired_receipt_handle
    url = sqs.create_queue(
        QueueName=queue_name + ".fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "1", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="g1-m1", MessageGroupId="1")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    time.sleep(1.2)
    err, status = failure(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=handle))
    assert (err["Code"], err["Message"], status) == (
        "InvalidParameterValue",
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
        400,
    )


def test_add_permission_policy(sqs, queue_name):
    # test_sqs_permission_lifecycle
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.add_permission(QueueUrl=url, AWSAccountIds=["000000000000", "668614515564"], Actions=["ReceiveMessage"], Label="crossaccountpermission")
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    arn = f"arn:aws:sqs:us-east-1:000000000000:{queue_name}"
    assert policy == {
        "Version": "2008-10-17",
        "Id": f"{arn}/SQSDefaultPolicy",
        "Statement": [
            {
                "Sid": "crossaccountpermission",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::668614515564:root", "arn:aws:iam::000000000000:root"]},
                "Action": "SQS:ReceiveMessage",
                "Resource": arn,
            }
        ],
    }
    sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission")
    err, status = failure(lambda: sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission"))
    assert (err["Code"], err["Message"], status) == (
        "InvalidParameterValue",
        "Value crossaccountpermission for parameter Label is invalid. Reason: can't find label.",
        400,
    )


def test_trace_header_from_x_amzn_trace_id(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    def add_header(request, **_):
        request.headers["X-Amzn-Trace-Id"] = trace

    sqs.meta.events.register("before-sign.sqs.SendMessage", add_header)
    try:
        sqs.send_message(QueueUrl=url, MessageBody="traced")
    finally:
        sqs.meta.events.unregister("before-sign.sqs.SendMessage", add_header)
    (m,) = sqs.receive_message(QueueUrl=url, AttributeNames=["AWSTraceHeader"])["Messages"]
    assert m["Attributes"] == {"AWSTraceHeader": trace}


def test_requeued_message_first(sqs, queue_name):
    # test_inflight_message_requeue
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="test1")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    sqs.send_message(QueueUrl=url, MessageBody="test2")
    time.sleep(1.2)
    again = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    assert first["Body"] == again["Body"] == "test1"

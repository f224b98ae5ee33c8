"""More SQS behaviour through boto3, over both wire protocols: error metadata, timing
(visibility, delays, long-poll deadlines), attribute filtering, system attributes, paging,
batch validation, FIFO group locking, move tasks, URL forms, regions and concurrent consumers."""

import base64
import hashlib
import json
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, md5_of_attributes, wait_for_long_polls


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def failure(call):
    """Runs a call that must fail; returns (Error dict, HTTP status, response headers)."""
    with pytest.raises(ClientError) as e:
        call()
    meta = e.value.response["ResponseMetadata"]
    return e.value.response["Error"], meta["HTTPStatusCode"], meta.get("HTTPHeaders", {})


def attribute(sqs, url, name):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name]


def test_md5_helper_matches_the_documented_vectors():
    assert md5_of_attributes({"s": {"DataType": "String", "StringValue": "v"}}) == "f711c779386017be0858627ced765df3"
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}}
    assert md5_of_attributes(trace) == "4777fe4e8f0ac8a9a8da35539c6fb198"


def test_error_metadata_matches_botocore_against_aws(sqs, protocol, endpoint):
    missing = f"{endpoint}/000000000000/no-such-queue-xyz"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.send_message(QueueUrl=missing, MessageBody="x")
    err = e.value.response["Error"]
    assert err["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert err["Type"] == "Sender"
    assert err["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["ResponseMetadata"]["RequestId"]
    if protocol == "json":
        # awsQueryCompatible: the legacy code travels in a header, the shape name in __type.
        assert err["QueryErrorCode"] == "QueueDoesNotExist"
        headers = e.value.response["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
        assert headers["content-type"].startswith("application/x-amz-json-1.0")
    else:
        assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["content-type"].startswith("text/xml")

    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_attributes(QueueUrl=missing, AttributeNames=["All"])
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.delete_queue(QueueUrl=missing)


def test_batch_errors_are_typed(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    cases = [
        # Real SQS answered boto3's query-era `Entries=` with EmptyBatchRequest (moto #1799, #8061).
        (lambda: sqs.send_message_batch(QueueUrl=url, Entries=[]), "EmptyBatchRequest"),
        (lambda: sqs.delete_message_batch(QueueUrl=url, Entries=[]), "EmptyBatchRequest"),
        (lambda: sqs.change_message_visibility_batch(QueueUrl=url, Entries=[]), "EmptyBatchRequest"),
        (
            lambda: sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)]
            ),
            "TooManyEntriesInBatchRequest",
        ),
        (
            lambda: sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "bad id!", "MessageBody": "x"}]),
            "InvalidBatchEntryId",
        ),
        (
            lambda: sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": "x"}, {"Id": "a", "ReceiptHandle": "y"}]
            ),
            "BatchEntryIdsNotDistinct",
        ),
        (
            lambda: sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": "a", "MessageBody": "x" * 600_000}, {"Id": "b", "MessageBody": "x" * 600_000}],
            ),
            "BatchRequestTooLong",
        ),
    ]
    for call, shape in cases:
        with pytest.raises(getattr(sqs.exceptions, shape)) as e:
            call()
        err, status = e.value.response["Error"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]
        assert (err["Code"], status) == ("AWS.SimpleQueueService." + shape, 400), err


def test_delete_batch_reports_an_invalid_handle_per_entry(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
    out = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "good", "ReceiptHandle": m["ReceiptHandle"]}, {"Id": "bad", "ReceiptHandle": "garbage"}],
    )
    assert [e["Id"] for e in out["Successful"]] == ["good"]
    (failed,) = out["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == ("bad", "ReceiptHandleIsInvalid", True)
    # Deleting an already deleted message with its (well-formed) handle succeeds.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_change_visibility_makes_a_message_visible_again(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    (m,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=300)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert attribute(sqs, url, "ApproximateNumberOfMessagesNotVisible") == "1"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    (m2,) = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert m2["MessageId"] == m["MessageId"]
    assert m2["ReceiptHandle"] != m["ReceiptHandle"]
    assert m2["Attributes"]["ApproximateReceiveCount"] == "2"
    err, status, _ = failure(
        lambda: sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=43201)
    )
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    err, status, _ = failure(
        lambda: sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=10)
    )
    assert (err["Code"], status) == ("ReceiptHandleIsInvalid", 400)


def test_visibility_expiry_and_delays_wake_a_long_poll(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="inflight")
    (m,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"]
    started = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    bodies = {}
    deadline = time.monotonic() + 8
    while len(bodies) < 2 and time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=3, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
        )
        for msg in got.get("Messages", []):
            bodies[msg["Body"]] = msg["Attributes"]["ApproximateReceiveCount"]
    elapsed = time.monotonic() - started
    assert bodies == {"inflight": "2", "delayed": "1"}
    assert 0.8 <= elapsed < 4, elapsed


def test_long_poll_deadlines_and_queue_default_wait(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name, Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # the queue's default wait applies
    waited = time.monotonic() - start
    assert 0.9 <= waited < 3, waited
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)  # explicit 0 wins
    assert time.monotonic() - start < 0.5
    err, status, _ = failure(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21))
    assert (err["Code"], status) == ("InvalidParameterValue", 400)


def test_long_poll_is_woken_by_a_batch_send(sqs, queue_name, endpoint):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    result = {}
    polling = threading.Event()

    def poll():
        polling.set()
        start = time.monotonic()
        result["r"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=10)
        result["t"] = time.monotonic() - start

    t = threading.Thread(target=poll)
    t.start()
    polling.wait(5)
    wait_for_long_polls(endpoint)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "a"}, {"Id": "b", "MessageBody": "b"}])
    t.join(10)
    assert result["r"]["Messages"], result
    assert result["t"] < 3, result["t"]


def test_message_attribute_names_filter_the_attributes_and_their_md5(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    attrs = {
        "app.x": {"DataType": "String", "StringValue": "1"},
        "app.y": {"DataType": "Number", "StringValue": "2.5"},
        "other": {"DataType": "Binary", "BinaryValue": bytes(range(256))},
        "custom": {"DataType": "String.json", "StringValue": '{"k": "\u00e9\u2603\U0001f600"}'},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="filtered", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)

    def receive(**kw):
        (m,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, **kw)["Messages"]
        return m

    plain = receive()
    assert "MessageAttributes" not in plain and "MD5OfMessageAttributes" not in plain
    some = receive(MessageAttributeNames=["app.*"])
    want = {k: v for k, v in attrs.items() if k.startswith("app.")}
    assert some["MessageAttributes"] == want
    assert some["MD5OfMessageAttributes"] == md5_of_attributes(want)
    one = receive(MessageAttributeNames=["other", "absent"])
    assert one["MessageAttributes"] == {"other": attrs["other"]}
    assert one["MD5OfMessageAttributes"] == md5_of_attributes({"other": attrs["other"]})
    everything = receive(MessageAttributeNames=["All"])
    assert everything["MessageAttributes"] == attrs
    assert everything["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]


def test_system_attributes_and_trace_header(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    body = "unicode \u00e9\u4e2d\U0001f600 tab\t"
    before_ms = int(time.time() * 1000)
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}},
    )
    assert sent["MD5OfMessageBody"] == md5(body)
    assert sent["MD5OfMessageSystemAttributes"] == "4777fe4e8f0ac8a9a8da35539c6fb198"
    assert "MD5OfMessageAttributes" not in sent
    (m,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    after_ms = int(time.time() * 1000)
    a = m["Attributes"]
    assert m["Body"] == body and m["MD5OfBody"] == md5(body)
    assert a["AWSTraceHeader"] == "Root=1-abc"
    assert a["SenderId"]
    assert a["ApproximateReceiveCount"] == "1"
    sent_ts = int(a["SentTimestamp"])  # epoch milliseconds
    assert before_ms - 1000 <= sent_ts <= after_ms + 1000
    assert sent_ts <= int(a["ApproximateFirstReceiveTimestamp"]) <= after_ms + 1000
    assert "MessageGroupId" not in a and "SequenceNumber" not in a


def test_queue_attributes_defaults_set_and_validation(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    now = int(time.time())
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert a["VisibilityTimeout"] == "30"
    assert a["DelaySeconds"] == "0"
    assert a["ReceiveMessageWaitTimeSeconds"] == "0"
    assert a["MessageRetentionPeriod"] == "345600"
    assert a["MaximumMessageSize"] == "1048576"
    for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"):
        assert a[k] == "0"
    assert abs(int(a["CreatedTimestamp"]) - now) <= 5  # epoch seconds
    assert abs(int(a["LastModifiedTimestamp"]) - now) <= 5
    assert "FifoQueue" not in a and "RedrivePolicy" not in a
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": "60", "DelaySeconds": "2", "MaximumMessageSize": "1024"}
    )
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds", "MaximumMessageSize"])
    assert a["Attributes"] == {"VisibilityTimeout": "60", "DelaySeconds": "2", "MaximumMessageSize": "1024"}
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024, DelaySeconds=0)
    err, status, _ = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * 1025))
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    for bad in ({"VisibilityTimeout": "43201"}, {"MessageRetentionPeriod": "59"}, {"MaximumMessageSize": "1023"}):
        err, status, _ = failure(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes=bad))
        assert (err["Code"], status) == ("InvalidAttributeValue", 400), bad
    err, status, _ = failure(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"}))
    assert status == 400 and err["Code"] in ("InvalidAttributeName", "InvalidAttributeValue"), err


def test_list_queues_pages_with_max_results(sqs, queue_name):
    urls = sorted(sqs.create_queue(QueueName=f"{queue_name}-{i}")["QueueUrl"] for i in range(3))
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=queue_name + "-none")
    everything = sqs.list_queues(QueueNamePrefix=queue_name)
    assert sorted(everything["QueueUrls"]) == urls and "NextToken" not in everything
    first = sqs.list_queues(QueueNamePrefix=queue_name, MaxResults=2)
    assert len(first["QueueUrls"]) == 2 and first["NextToken"]
    second = sqs.list_queues(QueueNamePrefix=queue_name, MaxResults=2, NextToken=first["NextToken"])
    assert len(second["QueueUrls"]) == 1 and "NextToken" not in second
    assert sorted(first["QueueUrls"] + second["QueueUrls"]) == urls
    paged = [u for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=queue_name, MaxResults=1) for u in page.get("QueueUrls", [])]
    assert sorted(paged) == urls


def test_queue_urls_in_other_forms_and_owner_account(sqs, queue_name, endpoint):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    assert sqs.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId="000000000000")["QueueUrl"] == url
    for other in (
        f"http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/{queue_name}",
        f"http://localhost:4566/queue/us-east-1/000000000000/{queue_name}",
    ):
        sqs.send_message(QueueUrl=other, MessageBody=other)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 2


def test_deleted_queue_name_is_not_reusable_at_once(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    err, status, _ = failure(lambda: sqs.create_queue(QueueName=queue_name))
    assert (err["Code"], status) == ("AWS.SimpleQueueService.QueueDeletedRecently", 400)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=queue_name)


def test_purge_empties_the_queue(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    sqs.receive_message(QueueUrl=url)  # one in flight: purged too
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0"
    sqs.send_message(QueueUrl=url, MessageBody="after")  # a message sent after the purge stays
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["Body"] == "after"


def test_fifo_groups_lock_while_in_flight(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert attribute(sqs, url, "FifoQueue") == "true"
    seqs = []
    for body, group in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        out = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body)
        seqs.append(int(out["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    dup = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="a", MessageDeduplicationId="a1")
    assert dup["MessageId"]  # accepted, but not enqueued again
    (first,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert first["Body"] == "a1"
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in rest] == ["b1"]  # group a is locked while a1 is in flight
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    nxt = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in nxt] == ["a2"]
    out = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "x", "MessageBody": "x", "MessageGroupId": "c", "MessageDeduplicationId": "x"},
            {"Id": "y", "MessageBody": "y", "MessageGroupId": "c", "MessageDeduplicationId": "y"},
        ],
    )
    assert all(e["SequenceNumber"] for e in out["Successful"]) and not out.get("Failed")

    for call in (
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="a"),  # no dedup id, no CBD
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="a", MessageDeduplicationId="d", DelaySeconds=1),
        lambda: sqs.create_queue(QueueName=queue_name + "-nofifo", Attributes={"FifoQueue": "true"}),
    ):
        err, status, _ = failure(call)
        assert (err["Code"], status) == ("InvalidParameterValue", 400), err


def test_move_task_returns_dead_letters_to_their_source(sqs, queue_name):
    dlq = sqs.create_queue(QueueName=queue_name + "-dlq")["QueueUrl"]
    dlq_arn = attribute(sqs, dlq, "QueueArn")
    src = sqs.create_queue(
        QueueName=queue_name,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})},
    )["QueueUrl"]
    src_arn = attribute(sqs, src, "QueueArn")
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    assert attribute(sqs, dlq, "ApproximateNumberOfMessages") == "1"
    (dead,) = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0, AttributeNames=["All"])["Messages"]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == src_arn

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    back = sqs.receive_message(QueueUrl=src, WaitTimeSeconds=5)["Messages"]
    assert back[0]["Body"] == "poison"
    deadline = time.monotonic() + 5
    while True:
        (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if task["Status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    assert task["SourceArn"] == dlq_arn


def test_regions_are_separate(endpoint, protocol, queue_name):
    east = make_client(endpoint, protocol, access_key="333333333333")
    west = make_client(endpoint, protocol, access_key="333333333333", region="eu-west-1")
    url = west.create_queue(QueueName=queue_name)["QueueUrl"]
    assert attribute(west, url, "QueueArn") == f"arn:aws:sqs:eu-west-1:333333333333:{queue_name}"
    with pytest.raises(east.exceptions.QueueDoesNotExist):
        east.get_queue_url(QueueName=queue_name)


def test_concurrent_consumers_never_share_a_message(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    total = 40
    for start in range(0, total, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(start, start + 10)]
        )
    seen = []
    lock = threading.Lock()

    def consume():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                if len(seen) >= total:
                    return
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            with lock:
                seen.extend(m["Body"] for m in got)
            if got:
                sqs.delete_message_batch(
                    QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
                )

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert sorted(seen, key=int) == [str(i) for i in range(total)]


def test_binary_attribute_round_trips_exact_bytes(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    raw = bytes(range(256)) * 4
    attrs = {"blob": {"DataType": "Binary.gz", "BinaryValue": raw}}
    sent = sqs.send_message(QueueUrl=url, MessageBody=base64.b64encode(raw).decode(), MessageAttributes=attrs)
    (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert m["MessageAttributes"]["blob"] == attrs["blob"]
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)


# ---- AWS's recorded answers (LocalStack's test_sqs.snapshot.json) ----


def test_sse_kms_and_sqs_in_one_request_are_refused(sqs, queue_name):
    # test_sse_kms_and_sqs_are_mutually_exclusive
    both = {"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"}
    message = "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    for call in (
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes=both),
        lambda: sqs.create_queue(QueueName=queue_name + "-sse", Attributes=both),
    ):
        err, status, _ = failure(call)
        assert (err["Code"], err["Message"], status) == ("InvalidAttributeName", message, 400)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={**both, "SqsManagedSseEnabled": "false"})
    assert attribute(sqs, url, "KmsMasterKeyId") == "testKeyId"


def test_dead_letter_target_that_is_no_arn_is_refused_before_lookup(sqs, queue_name):
    # test_invalid_dead_letter_arn_rejected_before_lookup
    policy = json.dumps({"deadLetterTargetArn": "dummy", "maxReceiveCount": 42})
    err, status, _ = failure(lambda: sqs.create_queue(QueueName=queue_name, Attributes={"RedrivePolicy": policy}))
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    assert err["Message"] == f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn."


def test_fifo_batch_entry_without_group_or_dedup_id_fails_the_request(sqs, queue_name):
    # test_send_batch_missing_message_group_id_for_fifo_queue, ..._deduplication_id_...
    url = sqs.create_queue(QueueName=queue_name + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    good = {"Id": "a", "MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d1"}
    cases = [
        ({"Id": "b", "MessageBody": "m", "MessageDeduplicationId": "d2"}, "The request must contain the parameter MessageGroupId."),
        (
            {"Id": "b", "MessageBody": "m", "MessageGroupId": "g"},
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        ),
    ]
    for bad, message in cases:
        err, status, _ = failure(lambda: sqs.send_message_batch(QueueUrl=url, Entries=[good, bad]))
        assert (err["Code"], err["Message"], status) == ("InvalidParameterValue", message, 400)
    # Nothing of a refused batch was sent.
    assert attribute(sqs, url, "ApproximateNumberOfMessages") == "0"


def test_fifo_queue_attribute_cannot_change_the_queue_type(sqs, queue_name):
    # test_set_unsupported_attribute_fifo
    std = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    err, status, _ = failure(lambda: sqs.set_queue_attributes(QueueUrl=std, Attributes={"FifoQueue": "true"}))
    assert (err["Code"], err["Message"], status) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.", 400)
    fifo = sqs.create_queue(QueueName=queue_name + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "true"})
    err, status, _ = failure(lambda: sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "false"}))
    assert (err["Code"], status) == ("InvalidAttributeValue", 400)
    assert err["Message"] == "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."


def test_missing_queue_message_depends_on_the_protocol(sqs, protocol, endpoint):
    # test_non_existent_queue: JSON and query word it differently.
    err, status, _ = failure(lambda: sqs.get_queue_attributes(QueueUrl=f"{endpoint}/000000000000/nope-q", AttributeNames=["All"]))
    expected = {
        "json": "The specified queue does not exist.",
        "query": "The specified queue does not exist for this wsdl version.",
    }[protocol]
    assert (err["Code"], err["Message"], status) == ("AWS.SimpleQueueService.NonExistentQueue", expected, 400)


def test_remove_permission_labels(sqs, queue_name):
    # test_sqs_permission_lifecycle
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    add = dict(QueueUrl=url, AWSAccountIds=["000000000000"], Actions=["ReceiveMessage"])
    sqs.add_permission(Label="crossaccountpermission", **add)
    err, status, _ = failure(lambda: sqs.add_permission(Label="crossaccountpermission", **add))
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    assert err["Message"] == "Value crossaccountpermission for parameter Label is invalid. Reason: Already exists."
    sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission")
    err, status, _ = failure(lambda: sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission"))
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    assert err["Message"] == "Value crossaccountpermission for parameter Label is invalid. Reason: can't find label."

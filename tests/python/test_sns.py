"""SNS through boto3 (query protocol), delivering into SQS."""

import base64
import hashlib
import json
import struct

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def clients(endpoint):
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    return boto3.client("sns", **kw), boto3.client("sqs", **kw)


def queue(sqs, name, fifo=False):
    attrs = {"FifoQueue": "true"} if fifo else {}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def test_publish_fans_out_with_envelope_raw_and_filters(clients, queue_name):
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    env_url, env_arn = queue(sqs, queue_name + "-env")
    raw_url, raw_arn = queue(sqs, queue_name + "-raw")
    red_url, red_arn = queue(sqs, queue_name + "-red")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=env_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=red_arn,
        Attributes={"FilterPolicy": json.dumps({"color": ["red"], "size": [{"numeric": [">", 10]}]})},
    )
    attrs = {
        "color": {"DataType": "String", "StringValue": "blue"},
        "size": {"DataType": "Number", "StringValue": "11"},
        "bin": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
    }
    pub = sns.publish(TopicArn=topic, Message="hello", Subject="greeting", MessageAttributes=attrs)

    (m,) = sqs.receive_message(QueueUrl=env_url)["Messages"]
    env = json.loads(m["Body"])
    assert env["Type"] == "Notification"
    assert env["MessageId"] == pub["MessageId"]
    assert env["TopicArn"] == topic
    assert env["Subject"] == "greeting"
    assert env["Message"] == "hello"
    assert env["Timestamp"].endswith("Z") and len(env["Timestamp"]) == 24
    assert env["MessageAttributes"]["color"] == {"Type": "String", "Value": "blue"}
    assert env["MessageAttributes"]["bin"] == {"Type": "Binary", "Value": base64.b64encode(b"\x01\x02").decode()}

    (r,) = sqs.receive_message(QueueUrl=raw_url, MessageAttributeNames=["All"])["Messages"]
    assert r["Body"] == "hello"
    assert r["MessageAttributes"]["size"] == {"DataType": "Number", "StringValue": "11"}
    assert r["MessageAttributes"]["bin"]["BinaryValue"] == b"\x01\x02"

    assert "Messages" not in sqs.receive_message(QueueUrl=red_url)
    sns.publish(TopicArn=topic, Message="red one", MessageAttributes={
        "color": {"DataType": "String", "StringValue": "red"}, "size": {"DataType": "Number", "StringValue": "12"}})
    assert json.loads(sqs.receive_message(QueueUrl=red_url)["Messages"][0]["Body"])["Message"] == "red one"

    # No Subject given: no Subject key; no attributes: no MessageAttributes key.
    sns.publish(TopicArn=topic, Message="plain")
    env = json.loads(sqs.receive_message(QueueUrl=env_url, VisibilityTimeout=0)["Messages"][0]["Body"])
    bodies = [env]
    assert all("Subject" not in b and "MessageAttributes" not in b for b in bodies if b["Message"] == "plain")


def test_message_structure_json_and_message_body_filter(clients, queue_name):
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    url, arn = queue(sqs, queue_name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
        "RawMessageDelivery": "true",
        "FilterPolicyScope": "MessageBody",
        "FilterPolicy": json.dumps({"order": {"state": ["paid"]}}),
    })
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": json.dumps({"order": {"state": "paid"}}), "sqs": json.dumps({"order": {"state": "paid"}, "via": "sqs"})}))
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"state": "open"}}))
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in msgs] == [{"order": {"state": "paid"}, "via": "sqs"}]
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"sqs": "x"}))
    assert e.value.response["Error"]["Code"] == "InvalidParameter"


def test_filter_policy_errors_and_scope_as_aws_reports_them(clients, queue_name):
    """AWS's recorded answers (LocalStack test_sns_filter_policy.snapshot.json): Subscribe puts
    "Attributes Reason: " before the reason, SetSubscriptionAttributes does not; the scope is
    shown only alongside a policy."""
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    _, arn = queue(sqs, queue_name)

    def error(call, **kw):
        with pytest.raises(ClientError) as e:
            call(**kw)
        err = e.value.response["Error"]
        assert (err["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidParameter", 400)
        return err["Message"]

    # test_validate_policy_numeric_operator / test_validate_policy_nested_anything_but_operator
    for policy, reason in [
        ({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}, "Too many terms in numeric range expression"),
        ({"key": [{"numeric": ["<", 100, ">", 10]}]}, "Too many elements in numeric expression"),
        ({"key": [{"anything-but": {"suffix": "test"}}]}, "Unsupported anything-but pattern: suffix"),
        ({"key": {"suffix": "value"}}, '"suffix" must be an object or an array'),
    ]:
        msg = error(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=arn,
                    Attributes={"FilterPolicy": json.dumps(policy)})
        assert msg == f"Invalid parameter: Attributes Reason: FilterPolicy: {reason}"

    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    set_attr = sns.set_subscription_attributes
    # test_set_subscription_filter_policy_scope
    set_attr(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    assert "FilterPolicyScope" not in sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert error(set_attr, SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="RandomValue") == (
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes")
    set_attr(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps({"attr": ["match-this"]}))
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicyScope"] == "MessageBody"
    # test_sub_filter_policy_nested_property / _constraints
    set_attr(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageAttributes")
    assert error(set_attr, SubscriptionArn=sub, AttributeName="FilterPolicy",
                 AttributeValue=json.dumps({"object": {"key": [{"prefix": "auto-"}]}})) == (
        "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy")
    assert error(set_attr, SubscriptionArn=sub, AttributeName="FilterPolicy",
                 AttributeValue=json.dumps({"key_a": "value_one"})) == (
        'Invalid parameter: FilterPolicy: "key_a" must be an object or an array')


def test_message_body_filter_dotted_keys_and_arrays_of_objects(clients, queue_name):
    """test_filter_policy_on_message_body_dot_attribute and ..._array_of_object_attributes:
    a policy key is a dotted path, arrays are looked through."""
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    dot_url, dot_arn = queue(sqs, queue_name + "-dot")
    s3_url, s3_arn = queue(sqs, queue_name + "-s3")
    for arn, policy in [
        (dot_arn, {"object.nested": ["string.value"]}),
        (s3_arn, {"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}}, "eventName": [{"prefix": "ObjectCreated:"}]}}),
    ]:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
            "RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody", "FilterPolicy": json.dumps(policy)})
    messages = [
        {"object": {"nested": "string.value"}},
        {"object.nested": "string.value"},
        {"object": {"nested": "test-auto"}},
        {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": [[{"key": "auto-1.xml"}]]}},
                     {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "home-1.xml"}}}]},
        {"Records": [{"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "auto-1.xml"}}}]},
        {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "home-1.xml"}}}]},
    ]
    for m in messages:
        sns.publish(TopicArn=topic, Message=json.dumps(m))

    def bodies(url):
        return sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []))

    assert bodies(dot_url) == sorted(json.dumps(m) for m in messages[:2])
    assert bodies(s3_url) == [json.dumps(messages[3])]


def test_fifo_topic_to_fifo_queue(clients, queue_name):
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name + ".fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, arn = queue(sqs, queue_name + ".fifo", fifo=True)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    a = sns.publish(TopicArn=topic, Message="1", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="2", MessageGroupId="g")
    dup = sns.publish(TopicArn=topic, Message="1", MessageGroupId="g")
    assert dup["MessageId"] == a["MessageId"]
    assert int(a["SequenceNumber"]) > 0
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in msgs] == ["1", "2"]
    assert msgs[0]["Attributes"]["MessageGroupId"] == "g"
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, Message="x")
    assert e.value.response["Error"]["Code"] == "InvalidParameter"


def test_topic_and_subscription_management(clients, queue_name):
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name, Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    assert sns.create_topic(Name=queue_name)["TopicArn"] == topic
    assert topic in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    _, arn = queue(sqs, queue_name)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"] == sub
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["SubscriptionsConfirmed"] == "1" and attrs["Owner"] == "000000000000"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="Shown")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "Shown"
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "true"
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=topic, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [sub]
    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    sns.delete_topic(TopicArn=topic)
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn=topic)
    assert (e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("NotFound", 404)


def test_invalid_sns_input(clients, queue_name):
    sns, _ = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    cases = [
        lambda: sns.create_topic(Name="bad name"),
        lambda: sns.publish(TopicArn=topic, Message=""),
        lambda: sns.publish(TopicArn=topic, Message="x", MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}}),
        lambda: sns.set_topic_attributes(TopicArn=topic, AttributeName="Bogus", AttributeValue="1"),
        lambda: sns.subscribe(TopicArn=topic, Protocol="carrier-pigeon", Endpoint="x"),
    ]
    for call in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert e.value.response["Error"]["Code"] in ("InvalidParameter", "ParameterValueInvalid")


def _string_to_sign(msg):
    if msg["Type"] == "Notification":
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{msg[k]}\n" for k in keys if k in msg).encode()


def _verify(msg):
    """Verify an SNS message as a subscriber does: the key from the certificate at
    SigningCertURL, SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2."""
    import urllib.request

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    with urllib.request.urlopen(msg["SigningCertURL"], timeout=10) as res:
        cert = x509.load_pem_x509_certificate(res.read())
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[msg["SignatureVersion"]]
    cert.public_key().verify(
        base64.b64decode(msg["Signature"]), _string_to_sign(msg), padding.PKCS1v15(), algorithm
    )


def test_envelope_signatures_verify_with_the_served_certificate(clients, queue_name):
    from cryptography.exceptions import InvalidSignature

    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    url, arn = queue(sqs, queue_name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    for version in ["1", "2"]:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue=version)
        sns.publish(TopicArn=topic, Message=f"signed ünïcode\nv{version}", Subject="subject")
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
        assert len(msgs) == 1
        sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
        env = json.loads(msgs[0]["Body"])
        assert env["SignatureVersion"] == version
        _verify(env)
        env["Subject"] = "forged"
        with pytest.raises(InvalidSignature):
            _verify(env)


def test_sms_sandbox_verification_with_the_recorded_password(endpoint):
    import urllib.parse
    import urllib.request

    region = "eu-central-1"  # a region of its own: the sandbox holds at most ten numbers
    sns = boto3.client("sns", endpoint_url=endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is True
    phone = "+15555550142"
    sns.create_sms_sandbox_phone_number(PhoneNumber=phone, LanguageCode="fr-FR")
    numbers = sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    assert {"PhoneNumber": phone, "Status": "Pending"} in numbers

    query = urllib.parse.urlencode({"phoneNumber": phone, "region": region})
    with urllib.request.urlopen(f"{endpoint}/_aws/sns/sms-messages?{query}", timeout=10) as res:
        sent = json.load(res)["sms_messages"][phone]
    otp = sent[-1]["OneTimePassword"]
    assert otp in sent[-1]["Message"]

    with pytest.raises(sns.exceptions.VerificationException) as e:
        sns.verify_sms_sandbox_phone_number(PhoneNumber=phone, OneTimePassword="99999999" if otp != "99999999" else "11111111")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Code"] == "VerificationException"

    sns.verify_sms_sandbox_phone_number(PhoneNumber=phone, OneTimePassword=otp)
    numbers = sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    assert {"PhoneNumber": phone, "Status": "Verified"} in numbers
    sns.delete_sms_sandbox_phone_number(PhoneNumber=phone)
    with pytest.raises(sns.exceptions.ResourceNotFoundException) as e:
        sns.delete_sms_sandbox_phone_number(PhoneNumber=phone)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_sms_sandbox_bad_input_and_origination_numbers(clients):
    sns, _ = clients
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550142", LanguageCode="xx-XX")
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.create_sms_sandbox_phone_number(PhoneNumber="5555550142")
    with pytest.raises(sns.exceptions.ResourceNotFoundException):
        sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550143", OneTimePassword="123456")
    assert sns.list_origination_numbers()["PhoneNumbers"] == []
    assert sns.list_origination_numbers(MaxResults=30)["PhoneNumbers"] == []


def test_application_subscription_needs_an_existing_endpoint(clients, queue_name):
    sns, _ = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    app = sns.create_platform_application(Name=queue_name, Platform="GCM", Attributes={"PlatformCredential": "api-key"})["PlatformApplicationArn"]
    endpoint_arn = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="t-" + queue_name)["EndpointArn"]
    sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint_arn)
    sns.delete_endpoint(EndpointArn=endpoint_arn)
    with pytest.raises(sns.exceptions.InvalidParameterException) as e:
        sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint_arn)
    assert e.value.response["Error"]["Message"] == f"Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint {endpoint_arn}"


# AWS's recorded answers (LocalStack's snapshot tests/aws/services/sns/test_sns.snapshot.json).


def _error(call):
    """(status, code, message) of a call that must fail."""
    with pytest.raises(ClientError) as e:
        call()
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def _invalid(message):
    return 400, "InvalidParameter", message


def test_malformed_arns_are_refused_by_their_shape(clients, queue_name):
    sns, _ = clients
    six = "Invalid parameter: {} Reason: An ARN must have at least 6 elements, not {}"
    assert _error(lambda: sns.get_topic_attributes(TopicArn="test-topic")) == _invalid(six.format("TopicArn", 1))
    assert _error(lambda: sns.publish(TopicArn="randomstring", Message="m")) == _invalid(six.format("TopicArn", 1))
    assert _error(lambda: sns.publish(TopicArn="arn:randomstring", Message="m")) == _invalid(six.format("TopicArn", 2))
    assert _error(lambda: sns.publish(TopicArn="", Message="m")) == _invalid(six.format("TopicArn", 1))
    sqs_arn = "arn:aws:sqs:us-east-1:000000000000:q"
    assert _error(
        lambda: sns.subscribe(TopicArn="arn:aws:sns:us-east-1:random", Protocol="sqs", Endpoint=sqs_arn)
    ) == _invalid(six.format("TopicArn", 5))
    assert _error(lambda: sns.unsubscribe(SubscriptionArn="randomstring")) == _invalid(six.format("SubscriptionArn", 1))
    assert _error(lambda: sns.unsubscribe(SubscriptionArn="arn:aws:sns:us-east-1:random")) == _invalid(
        six.format("SubscriptionArn", 5)
    )
    assert _error(
        lambda: sns.unsubscribe(SubscriptionArn="arn:aws:sns:us-east-1:000000000000:random")
    ) == _invalid("Invalid parameter: SubscriptionId")
    # A well-formed ARN of nothing: the topic is NotFound, an unsubscribe succeeds.
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    assert _error(lambda: sns.get_topic_attributes(TopicArn=topic + "x")) == (404, "NotFound", "Topic does not exist")
    sns.unsubscribe(SubscriptionArn=topic + ":0a5e6b1c-58a4-4b30-9fd1-0d2b1cf4e9aa")


def test_a_topic_of_another_region_is_an_invalid_parameter(clients, endpoint, queue_name):
    sns, _ = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    west = boto3.client(
        "sns", endpoint_url=endpoint, region_name="us-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    calls = [
        lambda: west.get_topic_attributes(TopicArn=topic),
        lambda: west.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="x"),
        lambda: west.publish(TopicArn=topic, Message="m"),
        lambda: west.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}]),
        lambda: west.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15551234567"),
        lambda: west.list_subscriptions_by_topic(TopicArn=topic),
        lambda: west.delete_topic(TopicArn=topic),
    ]
    for call in calls:
        assert _error(call) == _invalid("Invalid parameter: TopicArn")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic


def test_publish_batch_validation_fails_the_whole_request(clients, queue_name):
    sns, _ = clients
    fifo = sns.create_topic(Name=queue_name + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    standard = sns.create_topic(Name=queue_name)["TopicArn"]
    cases = [
        (fifo, {"Message": "m"}, "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"),
        (
            fifo,
            {"Message": "m", "MessageGroupId": "g"},
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        ),
        (
            standard,
            {"Message": json.dumps({"sqs": "x"}), "MessageStructure": "json"},
            "Invalid parameter: Message Structure - No default entry in JSON message body",
        ),
    ]
    for topic, entry, message in cases:
        entries = [{"Id": "ok", "Message": "fine"}, {"Id": "bad", **entry}]
        if topic == fifo:
            entries[0].update(MessageGroupId="g", MessageDeduplicationId="d")
        assert _error(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == _invalid(message)
    too_many = [{"Id": str(i), "Message": "m"} for i in range(11)]
    assert _error(lambda: sns.publish_batch(TopicArn=standard, PublishBatchRequestEntries=too_many)) == (
        400,
        "TooManyEntriesInBatchRequest",
        "The batch request contains more entries than permissible.",
    )


def test_message_attribute_names_and_fields(clients, queue_name):
    sns, _ = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    cases = [
        ({"attr1": {"DataType": "String", "BinaryValue": b"\x02"}}, "The message attribute 'attr1' with type 'String' must use field 'String'."),
        ({"attr1": {"DataType": "Number", "BinaryValue": b"\x02"}}, "The message attribute 'attr1' with type 'Number' must use field 'String'."),
        ({"attr1": {"DataType": "Binary", "StringValue": "x"}}, "The message attribute 'attr1' with type 'Binary' must use field 'Binary'."),
        ({"a" * 257: {"DataType": "String", "StringValue": "x"}}, "Length of message attribute name must be less than 256 bytes."),
        (
            {"attr^1": {"DataType": "String", "StringValue": "x"}},
            "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
        ),
        ({".attr1": {"DataType": "String", "StringValue": "x"}}, "Invalid message attribute name starting with character '.' was found."),
        ({"attr1.": {"DataType": "String", "StringValue": "x"}}, "Invalid message attribute name ending with character '.' was found."),
        ({"at..tr1": {"DataType": "String", "StringValue": "x"}}, "Message attribute name can not have successive '.' character."),
    ]
    for attrs, message in cases:
        expected = (400, "ParameterValueInvalid", message)
        assert _error(lambda: sns.publish(TopicArn=topic, Message="m", MessageAttributes=attrs)) == expected
        entries = [{"Id": "1", "Message": "m", "MessageAttributes": attrs}]
        assert _error(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == expected


def test_subscription_and_tag_messages(clients, queue_name):
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    _, fifo_queue = queue(sqs, queue_name + ".fifo", fifo=True)
    assert _error(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_queue)) == _invalid(
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"
    )
    assert _error(lambda: sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="invalid-number")) == _invalid(
        "Invalid SMS endpoint: invalid-number"
    )
    _, plain = queue(sqs, queue_name)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=plain)["SubscriptionArn"]
    # Set* gives the reason alone; Subscribe puts "Attributes Reason: " before it.
    assert _error(
        lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="test-ValUe")
    ) == _invalid("Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false.")
    assert _error(
        lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=plain, Attributes={"RawMessageDelivery": "wrongvalue"})
    ) == _invalid("Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false.")
    assert _error(
        lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=plain, Attributes={"FilterPolicy": "invalid"})
    )[2].startswith("Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON.")
    tags = [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}, {"Key": "k2", "Value": "v2"}]
    assert _error(lambda: sns.tag_resource(ResourceArn=topic, Tags=tags)) == _invalid(
        "Invalid parameter: Duplicated keys are not allowed."
    )
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == []


def test_confirm_subscription_and_target_errors(clients, queue_name):
    sns, _ = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    token = "51b2ff3edb475b7d91550e0ab6edf0c1de2a34e6ebaf6c2262a001bcb7e051c43aa00022ceecce70bd2a67b2042da8d8eb4"
    assert _error(lambda: sns.confirm_subscription(TopicArn=topic[:-1] + "i", Token=token)) == _invalid(
        "Invalid parameter: Token"
    )
    assert _error(lambda: sns.confirm_subscription(TopicArn=topic, Token="randomtoken")) == _invalid("Invalid token")
    assert _error(lambda: sns.confirm_subscription(TopicArn=topic, Token=token)) == _invalid("Invalid parameter: Token")
    target = "arn:aws:sns:us-east-1:000000000000:endpoint/APNS/abcdef/0f7d5971-aa8b-4bd5-b585-0826e9f93a66"
    assert _error(lambda: sns.publish(TargetArn=target, Message="m")) == _invalid(
        "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified"
    )


# --- Answers as AWS recorded them (LocalStack's aws_validated snapshots, named per test) ---


def test_recorded_envelope_cert_url_dlq_copy_and_trace_header(clients, queue_name):
    """SigningCertURL `<host>/SimpleNotificationService-<hash>.pem` (every recorded envelope),
    X-Ray propagation (test_publish_sqs_from_sns_with_xray_propagation), DLQ copies with only
    the published attributes (test_redrive_policy_sqs_queue_subscription[True])."""
    import re
    import urllib.request

    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    url, arn = queue(sqs, queue_name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    trace = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"

    def add_trace(request, **_):
        request.headers["X-Amzn-Trace-Id"] = trace

    sns.meta.events.register("before-sign.sns.Publish", add_trace)
    sns.publish(TopicArn=topic, Message="X-Ray propagation test msg")
    sns.meta.events.unregister("before-sign.sns.Publish", add_trace)
    msg = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
    assert msg["Attributes"]["AWSTraceHeader"] == trace
    env = json.loads(msg["Body"])
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/SimpleNotificationService-[0-9a-f]{32}\.pem", env["SigningCertURL"])
    pem = urllib.request.urlopen(env["SigningCertURL"]).read()
    assert b"BEGIN CERTIFICATE" in pem
    _verify(env)

    # A raw subscription whose queue is gone: the DLQ copy carries only the published attributes.
    gone_url, gone_arn = queue(sqs, queue_name + "-gone")
    dlq_url, dlq_arn = queue(sqs, queue_name + "-dlq")
    raw_topic = sns.create_topic(Name=queue_name + "-raw")["TopicArn"]
    sns.subscribe(TopicArn=raw_topic, Protocol="sqs", Endpoint=gone_arn, Attributes={
        "RawMessageDelivery": "true", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
    sqs.delete_queue(QueueUrl=gone_url)
    sns.publish(TopicArn=raw_topic, Message="test_dlq_after_sqs_endpoint_deleted", MessageAttributes={
        "attr1": {"DataType": "Number", "StringValue": "111"},
        "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}})
    msg = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5, MessageAttributeNames=["All"])["Messages"][0]
    assert msg["Body"] == "test_dlq_after_sqs_endpoint_deleted"
    assert msg["MessageAttributes"] == {
        "attr1": {"DataType": "Number", "StringValue": "111"},
        "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}}


def test_recorded_message_structure_json_to_sqs(clients, queue_name):
    """test_message_structure_json_to_sqs: the `sqs` value, else `default`."""
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    url, arn = queue(sqs, queue_name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "default field", "sqs": json.dumps({"field": "value"})}))
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "default field"}))
    got = []
    for _ in range(2):
        m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        got.append(json.loads(m["Body"])["Message"])
    assert sorted(got) == ["default field", '{"field": "value"}']


def test_recorded_missing_data_type_is_a_validation_error(clients, queue_name):
    """test_empty_or_wrong_message_attributes: fully_missing_data_type (and its batch form)."""
    from botocore.config import Config

    sns_ok, _ = clients
    topic = sns_ok.create_topic(Name=queue_name)["TopicArn"]
    sns = boto3.client("sns", endpoint_url=sns_ok.meta.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(parameter_validation=False))
    assert _error(lambda: sns.publish(TopicArn=topic, Message="m", MessageAttributes={"attr1": {"StringValue": "v"}})) == (
        400, "ValidationError",
        "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null")
    assert _error(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "1", "Message": "m", "MessageAttributes": {"attr1": {"StringValue": "v"}}}])) == (
        400, "ValidationError",
        "1 validation error detected: Value null at 'publishBatchRequestEntries.1.member.messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null")
    assert _error(lambda: sns.publish(TopicArn=topic, Message="m", MessageAttributes={"attr1": {"DataType": "String"}})) == (
        400, "ParameterValueInvalid",
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.")


def test_recorded_subscription_attributes_and_paging(clients, queue_name):
    """test_create_subscriptions_with_attributes (RawMessageDelivery "true"),
    test_subscription_paging (100 pending subscriptions, a NextToken, then the rest),
    test_topic_get_attributes_with_fifo_false (no FifoTopic)."""
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name, Attributes={"FifoTopic": "false"})["TopicArn"]
    assert "FifoTopic" not in sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    _, arn = queue(sqs, queue_name)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "True"},
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    assert attrs["SubscriptionPrincipal"] == "arn:aws:iam::000000000000:root"
    for i in range(110):
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=f"user{i}@example.com")
    first = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert len(first["Subscriptions"]) == 100 and "NextToken" in first
    second = sns.list_subscriptions_by_topic(TopicArn=topic, NextToken=first["NextToken"])
    assert len(second["Subscriptions"]) == 11 and "NextToken" not in second
    endpoints = {s["Endpoint"] for s in first["Subscriptions"] + second["Subscriptions"]}
    assert len(endpoints) == 111


def test_recorded_numeric_filter_five_decimals(clients, queue_name):
    """AWS matches numbers to five decimal places (filter 100.123456789 matches 100.1234567)."""
    sns, sqs = clients
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    url, arn = queue(sqs, queue_name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
        "RawMessageDelivery": "true", "FilterPolicy": json.dumps({"price": [{"numeric": ["=", 100.123456789]}]})})
    sns.publish(TopicArn=topic, Message="match", MessageAttributes={"price": {"DataType": "Number", "StringValue": "100.1234567"}})
    sns.publish(TopicArn=topic, Message="no", MessageAttributes={"price": {"DataType": "Number", "StringValue": "100.1233"}})
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in msgs] == ["match"]

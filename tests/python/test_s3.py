"""S3 through boto3 (and s3transfer's multipart): buckets, objects, listings, presigned URLs,
and a Lambda deployed from an S3 object, against the release binary."""

import io
import os
import urllib.request
import uuid
import zipfile

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def client(endpoint, service, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(**config),
    )


@pytest.fixture
def s3(endpoint):
    return client(endpoint, "s3", s3={"addressing_style": "path"})


def bucket_name():
    return "b-" + uuid.uuid4().hex[:12]


def test_upload_and_download_file_with_multipart(s3, tmp_path):
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(12 * 1024 * 1024 + 123)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(str(src), bucket, "dir/big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"'), head["ETag"]
    dst = tmp_path / "back.bin"
    s3.download_file(bucket, "dir/big.bin", str(dst), Config=config)
    assert dst.read_bytes() == data


def test_objects_listings_and_errors(s3):
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    for key in ["a/1.txt", "a/2.txt", "b/3.txt", "top.txt"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode(), Metadata={"origin": "test"})
    got = s3.get_object(Bucket=bucket, Key="a/1.txt")
    assert got["Body"].read() == b"a/1.txt"
    assert got["Metadata"] == {"origin": "test"}
    listed = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [c["Prefix"] for c in listed["CommonPrefixes"]] == ["a/", "b/"]
    assert [o["Key"] for o in listed["Contents"]] == ["top.txt"]
    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)
    assert page["IsTruncated"] and len(page["Contents"]) == 2
    rest = s3.list_objects_v2(Bucket=bucket, ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["b/3.txt", "top.txt"]
    ranged = s3.get_object(Bucket=bucket, Key="top.txt", Range="bytes=0-2")
    assert ranged["Body"].read() == b"top"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "BucketNotEmpty"
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=bucket_name())
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_presigned_urls(s3):
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60)
    req = urllib.request.Request(put_url, data=b"presigned body", method="PUT")
    with urllib.request.urlopen(req) as res:
        assert res.status == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60)
    with urllib.request.urlopen(get_url) as res:
        assert res.read() == b"presigned body"


def test_a_function_deployed_from_s3(s3, endpoint):
    lam = client(endpoint, "lambda")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {'from': 's3', 'got': event}\n")
    s3.put_object(Bucket=bucket, Key="code/fn.zip", Body=buf.getvalue())
    name = "fn-" + uuid.uuid4().hex[:12]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"S3Bucket": bucket, "S3Key": "code/fn.zip"},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    out = lam.invoke(FunctionName=name, Payload=b'{"x": 1}')
    assert out["Payload"].read() == b'{"from": "s3", "got": {"x": 1}}'
    with pytest.raises(ClientError) as e:
        lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="code/missing.zip")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "S3 Error Code: NoSuchKey" in e.value.response["Error"]["Message"]


def form_post(url, fields, filename, data, content_type="text/plain"):
    """A browser-style multipart/form-data POST (the file last, as S3 requires)."""
    import urllib3

    body = dict(fields)
    body["file"] = (filename, data, content_type)
    return urllib3.request("POST", url, fields=body, redirect=False)


def test_presigned_post_form_upload(s3, endpoint):
    """boto3's generate_presigned_post + a plain multipart POST: the policy is enforced, the
    object keeps the form's metadata, ${filename} is replaced, success_action_status 201
    answers a PostResponse, success_action_redirect a 303, and the upload's event is
    s3:ObjectCreated:Post."""
    import json
    import time

    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    sqs = client(endpoint, "sqs")
    queue = sqs.create_queue(QueueName="posts-" + uuid.uuid4().hex[:8])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:Post"]}]
        },
    )
    test_event = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"][0]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=test_event["ReceiptHandle"])

    post = s3.generate_presigned_post(
        bucket,
        "uploads/${filename}",
        Fields={
            "success_action_status": "201",
            "Content-Type": "text/plain",
            "x-amz-meta-origin": "form",
        },
        Conditions=[
            {"success_action_status": "201"},
            {"Content-Type": "text/plain"},
            {"x-amz-meta-origin": "form"},
            ["content-length-range", 1, 100],
        ],
        ExpiresIn=300,
    )
    assert "policy" in post["fields"], post["fields"]
    r = form_post(post["url"], post["fields"], "hello.txt", b"hello form")
    assert r.status == 201, r.data
    assert b"<Key>uploads/hello.txt</Key>" in r.data, r.data
    assert b"<Bucket>" + bucket.encode() + b"</Bucket>" in r.data, r.data
    assert r.headers["ETag"].strip('"') in r.data.decode()
    got = s3.get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"hello form"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"origin": "form"}
    msg = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"][0]
    record = json.loads(msg["Body"])["Records"][0]
    assert record["eventName"] == "ObjectCreated:Post"
    assert record["s3"]["object"]["key"] == "uploads/hello.txt"
    assert record["s3"]["object"]["size"] == len(b"hello form")

    # The policy's content-length-range.
    r = form_post(post["url"], post["fields"], "big.txt", b"x" * 101)
    assert r.status == 400, r.data
    assert b"<Code>EntityTooLarge</Code>" in r.data
    # A field the policy does not sign, a key outside the signed prefix.
    extra = dict(post["fields"], **{"x-amz-meta-sneaky": "1"})
    r = form_post(post["url"], extra, "a.txt", b"a")
    assert r.status == 403, r.data
    assert b"<Code>AccessDenied</Code>" in r.data and b"Extra input fields" in r.data
    moved = dict(post["fields"], key="elsewhere/${filename}")
    r = form_post(post["url"], moved, "a.txt", b"a")
    assert r.status == 403, r.data
    assert b"Policy Condition failed" in r.data
    # An expired policy.
    old = s3.generate_presigned_post(bucket, "k", ExpiresIn=1)
    time.sleep(1.5)
    r = form_post(old["url"], old["fields"], "a.txt", b"a")
    assert r.status == 403, r.data
    assert b"Policy expired" in r.data
    # No key field.
    fields = {k: v for k, v in post["fields"].items() if k != "key"}
    r = form_post(post["url"], fields, "a.txt", b"a")
    assert r.status == 400 and b"must contain a field named 'key'" in r.data, r.data

    # A redirect after the upload, and the default 204.
    post = s3.generate_presigned_post(
        bucket,
        "r.txt",
        Fields={"success_action_redirect": "http://localhost:3000/done"},
        Conditions=[{"success_action_redirect": "http://localhost:3000/done"}],
    )
    r = form_post(post["url"], post["fields"], "r.txt", b"redirected")
    assert r.status == 303, r.data
    location = r.headers["Location"]
    assert location.startswith("http://localhost:3000/done?bucket=" + bucket + "&key=r.txt&etag="), location
    plain = s3.generate_presigned_post(bucket, "plain.bin")
    r = form_post(plain["url"], plain["fields"], "p.bin", b"\x00\x01\r\n--x", "application/octet-stream")
    assert r.status == 204, r.data
    assert s3.get_object(Bucket=bucket, Key="plain.bin")["Body"].read() == b"\x00\x01\r\n--x"


def test_presigned_post_in_strict_mode_checks_the_sigv4_signature():
    """With --auth strict the form's x-amz-signature is verified with the configured secret
    (boto3 with s3v4 signs the policy); a form signed with another secret is refused."""
    from conftest import start_fogbank, stop_fogbank

    proc, url = start_fogbank("--auth", "strict", "--credentials", "AKIDPOST:postsecret")
    try:
        def strict_client(secret):
            return boto3.client(
                "s3",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="AKIDPOST",
                aws_secret_access_key=secret,
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
            )

        good = strict_client("postsecret")
        bucket = bucket_name()
        good.create_bucket(Bucket=bucket)
        post = good.generate_presigned_post(bucket, "signed.txt")
        assert "x-amz-signature" in post["fields"], post["fields"]
        r = form_post(post["url"], post["fields"], "s.txt", b"signed")
        assert r.status == 204, r.data
        assert good.get_object(Bucket=bucket, Key="signed.txt")["Body"].read() == b"signed"
        forged = strict_client("wrong").generate_presigned_post(bucket, "forged.txt")
        r = form_post(forged["url"], forged["fields"], "f.txt", b"forged")
        assert r.status == 403, r.data
        assert b"<Code>SignatureDoesNotMatch</Code>" in r.data
        unsigned = {"key": "anon.txt"}
        r = form_post(post["url"], unsigned, "a.txt", b"anon")
        assert r.status == 403, r.data
    finally:
        stop_fogbank(proc)


def test_presigned_post_in_strict_mode_with_an_assumed_roles_credentials():
    """A form signed with STS temporary credentials (boto3 adds x-amz-security-token to the
    form) passes strict mode; without the token field it is refused."""
    from conftest import start_fogbank, stop_fogbank

    proc, url = start_fogbank("--auth", "strict", "--credentials", "AKIDPOST:postsecret")
    try:
        sts = boto3.client(
            "sts",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="AKIDPOST",
            aws_secret_access_key="postsecret",
        )
        creds = sts.assume_role(
            RoleArn="arn:aws:iam::000000000000:role/uploader", RoleSessionName="forms"
        )["Credentials"]
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
        bucket = bucket_name()
        s3.create_bucket(Bucket=bucket)
        post = s3.generate_presigned_post(bucket, "by-role.txt")
        assert post["fields"].get("x-amz-security-token") == creds["SessionToken"]
        r = form_post(post["url"], post["fields"], "r.txt", b"from a role")
        assert r.status == 204, r.data
        assert s3.get_object(Bucket=bucket, Key="by-role.txt")["Body"].read() == b"from a role"
        fields = {k: v for k, v in post["fields"].items() if k != "x-amz-security-token"}
        r = form_post(post["url"], fields, "r.txt", b"no token")
        assert r.status == 403, r.data
        assert b"<Code>InvalidAccessKeyId</Code>" in r.data
    finally:
        stop_fogbank(proc)

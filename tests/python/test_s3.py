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

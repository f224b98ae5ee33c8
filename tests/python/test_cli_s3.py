"""S3 through the AWS CLI (v1, installed in the test venv with its own bundled botocore):
`aws s3 mb/cp/ls/sync/rm/rb` (the high-level commands, with their multipart transfers) and
`aws s3api`, including an upload that lands as an event notification in an SQS queue."""

import json
import os
import pathlib
import subprocess
import sys
import uuid

import pytest
from test_s3 import client, s3  # noqa: F401 (fixture)

AWS = pathlib.Path(sys.executable).parent / "aws"


def aws(endpoint, tmp_path, *args, check=True):
    """Run the CLI against fogbank with throwaway credentials and no user config."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    out = subprocess.run(
        [str(AWS), "--endpoint-url", endpoint, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and out.returncode != 0:
        pytest.fail(f"aws {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out


def bucket_name():
    return "cli-" + uuid.uuid4().hex[:12]


def test_cp_ls_and_a_multipart_upload(endpoint, tmp_path, s3):
    bucket = bucket_name()
    aws(endpoint, tmp_path, "s3", "mb", f"s3://{bucket}")
    small = tmp_path / "small.txt"
    small.write_text("hello from the cli\n")
    # 20 MiB: above the CLI's 8 MiB multipart threshold, so three parts go up in parallel.
    big = tmp_path / "big.bin"
    data = os.urandom(20 * 1024 * 1024 + 7)
    big.write_bytes(data)
    aws(endpoint, tmp_path, "s3", "cp", str(small), f"s3://{bucket}/docs/small.txt")
    aws(endpoint, tmp_path, "s3", "cp", str(big), f"s3://{bucket}/blobs/big.bin")

    head = s3.head_object(Bucket=bucket, Key="blobs/big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"'), head["ETag"]
    assert s3.get_object(Bucket=bucket, Key="docs/small.txt")["Body"].read() == small.read_bytes()

    listing = aws(endpoint, tmp_path, "s3", "ls", f"s3://{bucket}/").stdout
    assert "PRE blobs/" in listing and "PRE docs/" in listing, listing
    listing = aws(endpoint, tmp_path, "s3", "ls", "--recursive", f"s3://{bucket}").stdout
    assert "docs/small.txt" in listing and str(len(data)) in listing, listing
    buckets = aws(endpoint, tmp_path, "s3", "ls").stdout
    assert bucket in buckets

    back = tmp_path / "back.bin"
    aws(endpoint, tmp_path, "s3", "cp", f"s3://{bucket}/blobs/big.bin", str(back))
    assert back.read_bytes() == data

    missing = aws(endpoint, tmp_path, "s3", "cp", f"s3://{bucket}/nope", str(tmp_path / "x"), check=False)
    assert missing.returncode != 0
    assert "404" in missing.stderr or "Not Found" in missing.stderr, missing.stderr

    # A bucket that is not empty cannot be removed without --force.
    kept = aws(endpoint, tmp_path, "s3", "rb", f"s3://{bucket}", check=False)
    assert kept.returncode != 0 and "BucketNotEmpty" in kept.stderr, kept.stderr
    aws(endpoint, tmp_path, "s3", "rb", "--force", f"s3://{bucket}")
    assert bucket not in aws(endpoint, tmp_path, "s3", "ls").stdout


def test_sync_both_ways_and_delete(endpoint, tmp_path, s3):
    bucket = bucket_name()
    aws(endpoint, tmp_path, "s3", "mb", f"s3://{bucket}")
    src = tmp_path / "site"
    (src / "css").mkdir(parents=True)
    files = {
        "index.html": b"<h1>hi</h1>",
        "css/app.css": b"body { color: red }",
        "data.json": json.dumps({"n": 1}).encode(),
    }
    for name, body in files.items():
        (src / name).write_bytes(body)
    out = aws(endpoint, tmp_path, "s3", "sync", str(src), f"s3://{bucket}/site").stdout
    assert out.count("upload:") == 3, out
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["site/css/app.css", "site/data.json", "site/index.html"]
    # The CLI guesses content types; they are stored and served back.
    assert s3.head_object(Bucket=bucket, Key="site/index.html")["ContentType"] == "text/html"

    # Nothing changed: a second sync uploads nothing (it compares sizes and times from ListObjectsV2).
    again = aws(endpoint, tmp_path, "s3", "sync", str(src), f"s3://{bucket}/site").stdout
    assert "upload:" not in again, again

    # One file removed locally: --delete removes it from the bucket.
    (src / "data.json").unlink()
    out = aws(endpoint, tmp_path, "s3", "sync", "--delete", str(src), f"s3://{bucket}/site").stdout
    assert "delete: s3://" in out, out
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["site/css/app.css", "site/index.html"]

    dst = tmp_path / "down"
    aws(endpoint, tmp_path, "s3", "sync", f"s3://{bucket}/site", str(dst))
    assert (dst / "index.html").read_bytes() == files["index.html"]
    assert (dst / "css" / "app.css").read_bytes() == files["css/app.css"]
    assert not (dst / "data.json").exists()

    aws(endpoint, tmp_path, "s3", "rm", "--recursive", f"s3://{bucket}/site")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_s3api_and_an_upload_notifying_a_queue(endpoint, tmp_path):
    bucket = bucket_name()
    sqs = client(endpoint, "sqs")
    queue_url = sqs.create_queue(QueueName="cli-events-" + uuid.uuid4().hex[:8])["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]

    created = json.loads(aws(endpoint, tmp_path, "s3api", "create-bucket", "--bucket", bucket).stdout)
    assert created["Location"] == f"/{bucket}"
    config = {
        "QueueConfigurations": [
            {
                "QueueArn": queue_arn,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}},
            }
        ]
    }
    aws(
        endpoint,
        tmp_path,
        "s3api",
        "put-bucket-notification-configuration",
        "--bucket",
        bucket,
        "--notification-configuration",
        json.dumps(config),
    )
    got = json.loads(
        aws(endpoint, tmp_path, "s3api", "get-bucket-notification-configuration", "--bucket", bucket).stdout
    )
    assert got["QueueConfigurations"][0]["QueueArn"] == queue_arn
    assert got["QueueConfigurations"][0]["Events"] == ["s3:ObjectCreated:*"]
    # The s3:TestEvent S3 sends to a queue when the configuration is stored.
    test_event = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"][0]
    assert json.loads(test_event["Body"])["Event"] == "s3:TestEvent"
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=test_event["ReceiptHandle"])

    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    aws(endpoint, tmp_path, "s3", "cp", str(report), f"s3://{bucket}/in/report 1.csv")
    aws(endpoint, tmp_path, "s3", "cp", str(report), f"s3://{bucket}/in/skipped.txt")
    msgs = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1, MaxNumberOfMessages=10)["Messages"]
    assert len(msgs) == 1, msgs
    record = json.loads(msgs[0]["Body"])["Records"][0]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == bucket
    # Keys are URL-encoded in the record, spaces as '+'.
    assert record["s3"]["object"]["key"] == "in/report+1.csv"
    assert record["s3"]["object"]["size"] == report.stat().st_size

    put = json.loads(
        aws(
            endpoint,
            tmp_path,
            "s3api",
            "put-object",
            "--bucket",
            bucket,
            "--key",
            "meta.txt",
            "--body",
            str(report),
            "--metadata",
            "team=data",
            "--content-type",
            "text/plain",
        ).stdout
    )
    head = json.loads(
        aws(endpoint, tmp_path, "s3api", "head-object", "--bucket", bucket, "--key", "meta.txt").stdout
    )
    assert head["ETag"] == put["ETag"]
    assert head["Metadata"] == {"team": "data"}
    assert head["ContentType"] == "text/plain"
    aws(
        endpoint,
        tmp_path,
        "s3api",
        "put-object-tagging",
        "--bucket",
        bucket,
        "--key",
        "meta.txt",
        "--tagging",
        "TagSet=[{Key=stage,Value=raw}]",
    )
    tags = json.loads(
        aws(endpoint, tmp_path, "s3api", "get-object-tagging", "--bucket", bucket, "--key", "meta.txt").stdout
    )
    assert tags["TagSet"] == [{"Key": "stage", "Value": "raw"}]
    listed = json.loads(
        aws(endpoint, tmp_path, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "in/").stdout
    )
    assert [o["Key"] for o in listed["Contents"]] == ["in/report 1.csv", "in/skipped.txt"]

    missing = aws(endpoint, tmp_path, "s3api", "get-object", "--bucket", bucket, "--key", "none", str(tmp_path / "o"), check=False)
    assert missing.returncode != 0 and "NoSuchKey" in missing.stderr, missing.stderr
    bad = aws(endpoint, tmp_path, "s3api", "create-bucket", "--bucket", "Bad_Name", check=False)
    assert bad.returncode != 0 and "InvalidBucketName" in bad.stderr, bad.stderr

"""fogbank with a user-supplied certificate (--tls-cert/--tls-key, as made by mkcert or a
private CA): boto3 over https on the same port as plain http, and SNS messages whose https
SigningCertURL a subscriber fetches over TLS to check the signature."""

import base64
import datetime
import json
import ssl
import urllib.request

import boto3
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID

from conftest import start_fogbank, stop_fogbank


def _certificate(tmp_path):
    """A self-signed certificate for localhost, as PEM files (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fogbank test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    cert_file, key_file = _certificate(tmp_path_factory.mktemp("tls"))
    proc, url = start_fogbank("--tls-cert", str(cert_file), "--tls-key", str(key_file))
    port = url.rsplit(":", 1)[1]
    yield url, f"https://localhost:{port}", cert_file
    stop_fogbank(proc)


def _client(service, endpoint, cert_file):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=str(cert_file),
    )


def test_the_served_certificate_is_the_users(tls_server):
    http_url, _, cert_file = tls_server
    with urllib.request.urlopen(f"{http_url}/_fogbank/tls/cert.pem") as res:
        assert res.read() == cert_file.read_bytes()


def test_boto3_over_https_and_http_on_one_port(tls_server, queue_name):
    http_url, https_url, cert_file = tls_server
    sqs_tls = _client("sqs", https_url, cert_file)
    sqs_plain = _client("sqs", http_url, cert_file)
    url = sqs_tls.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs_tls.send_message(QueueUrl=url, MessageBody="sent over https")
    msgs = sqs_plain.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in msgs] == ["sent over https"]
    # A client that does not trust the certificate refuses to talk.
    untrusting = boto3.client(
        "sqs",
        endpoint_url=https_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    from botocore.exceptions import SSLError

    with pytest.raises(SSLError):
        untrusting.list_queues()


def test_sns_signatures_verify_with_the_certificate_fetched_over_tls(tls_server, queue_name):
    _, https_url, cert_file = tls_server
    sns, sqs = _client("sns", https_url, cert_file), _client("sqs", https_url, cert_file)
    topic = sns.create_topic(Name=queue_name)["TopicArn"]
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="checked over tls", Subject="s")
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    env = json.loads(msgs[0]["Body"])
    # The URL names the host the publish reached, with https as on AWS.
    assert env["SigningCertURL"].startswith(f"{https_url}/")
    assert env["UnsubscribeURL"].startswith(f"{https_url}/?Action=Unsubscribe&")
    context = ssl.create_default_context(cafile=str(cert_file))
    with urllib.request.urlopen(env["SigningCertURL"], context=context, timeout=10) as res:
        signing = x509.load_pem_x509_certificate(res.read())
    text = "".join(
        f"{k}\n{env[k]}\n" for k in ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    ).encode()
    signature = base64.b64decode(env["Signature"])
    signing.public_key().verify(signature, text, padding.PKCS1v15(), hashes.SHA1())
    with pytest.raises(InvalidSignature):
        signing.public_key().verify(signature, text + b"x", padding.PKCS1v15(), hashes.SHA1())

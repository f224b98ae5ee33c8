"""SIGTERM while a long poll waits and a Lambda environment is warm: fogbank answers the poll,
kills the environment's process group and exits 0 within 2 seconds."""

import io
import json
import os
import signal
import threading
import time
import zipfile

import boto3

from conftest import start_fogbank, wait_for_long_polls


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_sigterm_during_work_exits_cleanly():
    proc, url = start_fogbank()
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    lam = boto3.client("lambda", **kw)
    sqs = boto3.client("sqs", **kw)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "import os\ndef handler(e, c):\n    return os.getpid()\n")
    lam.create_function(FunctionName="pid", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r", Handler="app.handler", Code={"ZipFile": buf.getvalue()})
    pid = json.loads(lam.invoke(FunctionName="pid")["Payload"].read())
    assert _alive(pid)
    q = sqs.create_queue(QueueName="wait")["QueueUrl"]
    polled = {}

    def long_poll():
        try:
            polled["out"] = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=20)
        except Exception as e:  # the connection may close as the server stops
            polled["err"] = e

    t = threading.Thread(target=long_poll)
    t.start()
    wait_for_long_polls(url)
    started = time.time()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=5)
    took = time.time() - started
    t.join(5)
    assert code == 0
    assert took < 2.0, took
    assert "out" in polled and not polled["out"].get("Messages"), polled
    deadline = time.time() + 2
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)

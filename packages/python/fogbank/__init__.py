"""fogbank: a fast local emulator of AWS SQS, SNS, Lambda and S3, packaged with its binary.

    from fogbank import Fogbank

    with Fogbank() as server:              # a fresh server on a free port, in milliseconds
        sqs = server.client("sqs")         # a boto3 client pointed at it
        sqs.create_queue(QueueName="jobs")
        server.reset()                     # wipe every queue, topic, function and bucket

The pytest plugin (``fogbank.pytest_plugin``, loaded automatically once installed) gives the
fixtures ``fogbank`` (one server per session), ``fogbank_fresh`` (one per test) and
``fogbank_env`` (sets ``AWS_ENDPOINT_URL`` and friends for the code under test).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import urllib.request
import weakref

__all__ = ["Fogbank", "FogbankError", "binary_path", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION"]

ACCESS_KEY_ID = "test"
SECRET_ACCESS_KEY = "test"
REGION = "us-east-1"

_LISTENING = re.compile(r"listening on (https?://[\w.\-\[\]:]+)")
_EXE = "fogbank.exe" if os.name == "nt" else "fogbank"


def _terminate(process):
    """Stop a server a program forgot to stop (run by a finalizer, at the latest at exit)."""
    if process.poll() is None:
        process.kill()
        process.wait()


class FogbankError(RuntimeError):
    """fogbank could not be found or did not start."""


def binary_path():
    """The fogbank executable: ``$FOGBANK_BIN``, else the one this package's wheel installed
    into the environment's scripts directory (or the user scheme's), else ``fogbank`` on PATH."""
    override = os.environ.get("FOGBANK_BIN")
    if override:
        return override
    dirs = [sysconfig.get_path("scripts")]
    scheme = "nt_user" if os.name == "nt" else "posix_user"
    try:
        dirs.append(sysconfig.get_path("scripts", scheme))
    except KeyError:
        pass
    dirs.append(os.path.dirname(sys.executable))
    for d in dirs:
        candidate = os.path.join(d, _EXE) if d else None
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("fogbank")
    if found:
        return found
    raise FogbankError(
        "the fogbank binary was not found: install the fogbank wheel, or set FOGBANK_BIN "
        "to a built binary (e.g. target/release/fogbank)"
    )


class Fogbank:
    """A fogbank server process on a free port of 127.0.0.1.

    ``config`` and ``data_dir`` map to ``--config`` and ``--data-dir``; ``args`` are passed to
    the binary as they are (e.g. ``["--lambda-concurrency", "4"]``; a ``--log-level`` among
    them replaces ``log_level``). The server's log (stderr) is kept in :attr:`log_lines`.
    """

    def __init__(self, *, config=None, data_dir=None, args=(), binary=None,
                 log_level="warn,fogbank=info", start_timeout=10.0, region=REGION):
        self.binary = binary or binary_path()
        self.config = config
        self.data_dir = data_dir
        self.args = list(args)
        self.log_level = log_level
        self.start_timeout = start_timeout
        self.region = region
        self.access_key_id = ACCESS_KEY_ID
        self.secret_access_key = SECRET_ACCESS_KEY
        self.endpoint_url = None
        self.process = None
        self.log_lines = []
        self._lock = threading.Lock()

    def command(self):
        cmd = [self.binary, "--port", "0"]
        overridden = any(str(a).split("=", 1)[0] == "--log-level" for a in self.args)
        if self.log_level and not overridden:
            cmd += ["--log-level", self.log_level]
        if self.config:
            cmd += ["--config", os.fspath(self.config)]
        if self.data_dir:
            cmd += ["--data-dir", os.fspath(self.data_dir)]
        return cmd + [str(a) for a in self.args]

    def start(self):
        """Start the server and wait until it listens; returns self."""
        if self.process is not None:
            return self
        self.endpoint_url = None
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as e:
            raise FogbankError(f"cannot run {self.binary}: {e}") from e
        self._finalizer = weakref.finalize(self, _terminate, self.process)
        ready = threading.Event()
        threading.Thread(target=self._drain, args=(ready,), daemon=True).start()
        ready.wait(self.start_timeout)
        if self.endpoint_url is None:
            self._kill()
            raise FogbankError("fogbank did not start:\n" + self.log())
        return self

    def _drain(self, ready):
        for line in self.process.stdout:
            with self._lock:
                self.log_lines.append(line)
            if self.endpoint_url is None:
                m = _LISTENING.search(line)
                if m:
                    self.endpoint_url = m.group(1)
                    ready.set()
        ready.set()

    def log(self, since=0):
        """The server's log from line ``since`` on, as one string."""
        with self._lock:
            return "".join(self.log_lines[since:])

    def log_mark(self):
        """The number of log lines so far (pass it to :meth:`log` later)."""
        with self._lock:
            return len(self.log_lines)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def env(self):
        """Environment variables that point the AWS SDKs and CLI v2 at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def reset(self, service=None):
        """Wipe every service's state, or only ``service`` ("sqs", "sns", "lambda", "s3");
        returns the services reset."""
        url = f"{self.endpoint_url}/_fogbank/reset"
        if service:
            url += f"?service={service}"
        req = urllib.request.Request(url, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)["reset"]

    def health(self):
        """The server's ``/_fogbank/health`` answer."""
        with urllib.request.urlopen(f"{self.endpoint_url}/_fogbank/health", timeout=10) as r:
            return json.load(r)

    def client(self, service, **kwargs):
        """A boto3 client for ``service`` pointed at this server (keyword arguments are passed
        to ``boto3.client`` and win over the defaults)."""
        import boto3

        options = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        options.update(kwargs)
        return boto3.client(service, **options)

    def stop(self, timeout=5.0):
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill()
        self.process = None

    def _kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"Fogbank({self.endpoint_url or 'not started'})"

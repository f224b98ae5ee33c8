"""pytest fixtures for fogbank, registered through the ``pytest11`` entry point.

Fixtures:

- ``fogbank``: one server for the whole session (:class:`fogbank.Fogbank`: ``endpoint_url``,
  ``region``, ``access_key_id``/``secret_access_key``, ``client(service)``, ``reset()``).
- ``fogbank_fresh``: a new server for each test (nothing is shared).
- ``fogbank_env``: the session server, with ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION`` and ``AWS_REGION`` set for the test (and
  ``AWS_PROFILE``/``AWS_SESSION_TOKEN`` removed), for code under test that makes its own
  clients.

Options (command line, or the ini keys ``fogbank_config``, ``fogbank_data_dir``,
``fogbank_args``): ``--fogbank-config FILE`` (``--config``: resources created at start),
``--fogbank-data-dir DIR`` (``--data-dir``: durable state; used by the session server only),
``--fogbank-arg ARG`` (repeatable: any other flag for the binary).

When a test fails, the log lines the servers it could reach wrote during it are attached to
its report as a "fogbank log" section.
"""

import shlex

import pytest

from . import Fogbank

_LIVE = []  # servers started by these fixtures and not stopped yet
_MARKS = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("fogbank", "fogbank (local AWS emulator) fixtures")
    group.addoption("--fogbank-config", dest="fogbank_config", default=None,
                    help="fogbank --config file for the fixtures' servers")
    group.addoption("--fogbank-data-dir", dest="fogbank_data_dir", default=None,
                    help="fogbank --data-dir for the session server (durable state)")
    group.addoption("--fogbank-arg", dest="fogbank_arg", action="append", default=[],
                    help="an extra argument for the fogbank binary (repeatable)")
    parser.addini("fogbank_config", "fogbank --config file for the fixtures' servers")
    parser.addini("fogbank_data_dir", "fogbank --data-dir for the session server")
    parser.addini("fogbank_args", "extra arguments for the fogbank binary (shell-quoted)")


def _settings(config):
    conf = config.getoption("fogbank_config") or config.getini("fogbank_config") or None
    data_dir = config.getoption("fogbank_data_dir") or config.getini("fogbank_data_dir") or None
    args = shlex.split(config.getini("fogbank_args") or "")
    args += list(config.getoption("fogbank_arg") or [])
    return conf, data_dir, args


def _start(config, *, durable):
    conf, data_dir, args = _settings(config)
    server = Fogbank(config=conf, data_dir=data_dir if durable else None, args=args)
    server.start()
    _LIVE.append(server)
    return server


def _stop(server):
    server.stop()
    if server in _LIVE:
        _LIVE.remove(server)


@pytest.fixture(scope="session")
def fogbank(pytestconfig):
    """One fogbank server for the test session."""
    server = _start(pytestconfig, durable=True)
    yield server
    _stop(server)


@pytest.fixture
def fogbank_fresh(pytestconfig):
    """A fogbank server of this test's own, stopped after it."""
    server = _start(pytestconfig, durable=False)
    yield server
    _stop(server)


@pytest.fixture
def fogbank_env(fogbank, monkeypatch):
    """The session server, with the AWS environment variables pointing at it for this test."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in fogbank.env().items():
        monkeypatch.setenv(name, value)
    return fogbank


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_MARKS] = {id(s): s.log_mark() for s in _LIVE}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        marks = item.stash.get(_MARKS, {})
        for server in list(_LIVE):
            text = server.log(marks.get(id(server), 0))
            if text:
                name = f"fogbank log ({server.endpoint_url})"
                report.sections.append((name, text))
    return report

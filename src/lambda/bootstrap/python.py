# fogbank's Python runtime bootstrap: the Lambda Runtime API loop, standard library only.
# Every module imported here is paid at each cold start, so only what every invoke needs is
# imported up front: the C socket module instead of `socket` (selectors, enum), `traceback`
# only when an error is reported, and `logging` configured the moment anything imports it.
import _socket
import json
import os
import sys
import time

_API = os.environ["AWS_LAMBDA_RUNTIME_API"]
_HOST, _PORT = _API.rsplit(":", 1)
_BASE = "/2018-06-01/runtime"
_request_id = ""


class _Conn:
    """A minimal keep-alive HTTP/1.1 client over one socket (http.client costs ~30 ms of
    imports at every cold start)."""

    def __init__(self):
        self.sock = None
        self.buf = b""

    def _connect(self):
        err = None
        for family, kind, proto, _, addr in _socket.getaddrinfo(
            _HOST, int(_PORT), 0, _socket.SOCK_STREAM
        ):
            sock = _socket.socket(family, kind, proto)
            try:
                sock.connect(addr)
            except OSError as e:
                sock.close()
                err = e
                continue
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            self.sock = sock
            self.buf = b""
            return
        raise err or ConnectionError(f"cannot resolve {_API}")

    def _read_until(self, sep):
        while sep not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("runtime API closed the connection")
            self.buf += chunk
        head, _, self.buf = self.buf.partition(sep)
        return head

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("runtime API closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                if self.sock is None:
                    self._connect()
                lines = [f"{method} {_BASE}{path} HTTP/1.1", f"Host: {_API}"]
                for k, v in (headers or {}).items():
                    lines.append(f"{k}: {v}")
                body = body or b""
                lines.append(f"Content-Length: {len(body)}")
                self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
                head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
                status = int(head[0].split(" ", 2)[1])
                hdrs = {}
                for line in head[1:]:
                    k, _, v = line.partition(":")
                    hdrs[k.strip().lower()] = v.strip()
                if "content-length" in hdrs:
                    data = self._read_exact(int(hdrs["content-length"]))
                elif hdrs.get("transfer-encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                        if size == 0:
                            self._read_until(b"\r\n")
                            break
                        data += self._read_exact(size)
                        self._read_exact(2)
                else:
                    data = b""
                return status, hdrs, data
            except (OSError, ValueError, IndexError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt:
                    raise


_conn = _Conn()


def _call(method, path, body=None, headers=None):
    return _conn.request(method, path, body, headers)


def _error(exc, error_type=None):
    import traceback

    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": _request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]),
    }


def _log_error(body):
    lines = [f"[ERROR] {body['errorType']}: {body['errorMessage']}"]
    if body.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in body["stackTrace"])
    print("\n".join(lines), file=sys.stderr, flush=True)


def _post(path, body, error_type=None):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    _call("POST", path, data, headers)


class _LoggingHook:
    """A meta path finder that configures the root logger as AWS's runtime does, right after
    `logging` is first imported (by the handler, a library, or anything else), so a function
    that never logs does not pay for the module at its cold start."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_setup(module):
            exec_module(module)
            _setup_logging()

        class _Loader:
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                exec_then_setup(module)

            def __getattr__(self, attr):
                return getattr(loader, attr)

        spec.loader = _Loader()
        return spec


def _install_logging():
    if "logging" in sys.modules:
        _setup_logging()
    else:
        sys.meta_path.insert(0, _LoggingHook())


def _setup_logging():
    import logging

    class _RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _request_id
            return True

    class _JsonFormatter(logging.Formatter):
        # LoggingConfig LogFormat JSON: one JSON object per record, as AWS's runtime writes it.
        def format(self, record):
            ms = int(record.created * 1000) % 1000
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            out = {
                "timestamp": f"{stamp}.{ms:03d}Z",
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": record.aws_request_id,
            }
            if record.exc_info and record.exc_info[0] is not None:
                out["errorType"] = record.exc_info[0].__name__
                out["errorMessage"] = str(record.exc_info[1])
                out["stackTrace"] = self.formatException(record.exc_info).splitlines()
            return json.dumps(out, default=str)

    handler = logging.StreamHandler(sys.stdout)
    json_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"
    if json_format:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
        handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    default_level = "INFO" if json_format else "WARNING"
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", default_level).upper())


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = identity
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)


class _Obj:
    def __init__(self, d):
        self.__dict__.update(d or {})


def _load_handler():
    spec = os.environ.get("_HANDLER", "")
    try:
        module_name, func_name = spec.rsplit(".", 1)
    except ValueError:
        return None, {
            "errorMessage": f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)",
            "errorType": "Runtime.MalformedHandlerName",
            "requestId": "",
            "stackTrace": [],
        }
    module_name = module_name.replace("/", ".")
    try:
        __import__(module_name)
        module = sys.modules[module_name]
    except ImportError as e:
        return None, {
            "errorMessage": f"Unable to import module '{module_name}': {e}",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        }
    except SyntaxError as e:
        return None, {
            "errorMessage": f"Syntax error in module '{module_name}': {e}",
            "errorType": "Runtime.UserCodeSyntaxError",
            "requestId": "",
            "stackTrace": [],
        }
    except Exception as e:
        return None, _error(e)
    handler = getattr(module, func_name, None)
    if handler is None:
        return None, {
            "errorMessage": f"Handler '{func_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        }
    return handler, None


def main():
    global _request_id
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    _install_logging()
    handler, init_error = _load_handler()
    if init_error is not None:
        _log_error(init_error)
        _post("/init/error", init_error, init_error["errorType"])
        sys.exit(1)
    while True:
        _, h, body = _call("GET", "/invocation/next")
        _request_id = h.get("lambda-runtime-aws-request-id", "")
        trace = h.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        cc = h.get("lambda-runtime-client-context")
        ident = h.get("lambda-runtime-cognito-identity")
        client_context = _Obj(json.loads(cc)) if cc else None
        identity = _Obj(json.loads(ident)) if ident else _Obj({})
        context = LambdaContext(
            _request_id,
            int(h.get("lambda-runtime-deadline-ms", "0")),
            h.get("lambda-runtime-invoked-function-arn"),
            client_context,
            identity,
        )
        try:
            event = json.loads(body) if body else None
        except ValueError:
            event = body.decode("utf-8", "replace")
        try:
            result = handler(event, context)
        except Exception as e:
            err = _error(e)
            _log_error(err)
            _post(f"/invocation/{_request_id}/error", err, "Unhandled")
            continue
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            err = {
                "errorMessage": f"Unable to marshal response: {e}",
                "errorType": "Runtime.MarshalError",
                "requestId": _request_id,
                "stackTrace": [],
            }
            _log_error(err)
            _post(f"/invocation/{_request_id}/error", err, "Runtime.MarshalError")
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        _post(f"/invocation/{_request_id}/response", payload)


if __name__ == "__main__":
    main()

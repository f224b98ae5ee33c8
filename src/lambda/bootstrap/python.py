# fogbank's Python runtime bootstrap: the Lambda Runtime API loop, standard library only.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

_API = os.environ["AWS_LAMBDA_RUNTIME_API"]
_HOST, _PORT = _API.rsplit(":", 1)
_BASE = "/2018-06-01/runtime"
_conn = http.client.HTTPConnection(_HOST, int(_PORT))
_request_id = ""


def _call(method, path, body=None, headers=None):
    global _conn
    for attempt in range(2):
        try:
            _conn.request(method, _BASE + path, body=body, headers=headers or {})
            res = _conn.getresponse()
            return res, res.read()
        except (ConnectionError, http.client.HTTPException):
            _conn.close()
            _conn = http.client.HTTPConnection(_HOST, int(_PORT))
            if attempt:
                raise


def _error(exc, error_type=None):
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


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper())


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
        module = importlib.import_module(module_name)
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
    _setup_logging()
    handler, init_error = _load_handler()
    if init_error is not None:
        _log_error(init_error)
        _post("/init/error", init_error, init_error["errorType"])
        sys.exit(1)
    while True:
        res, body = _call("GET", "/invocation/next")
        h = res.headers
        _request_id = h.get("Lambda-Runtime-Aws-Request-Id", "")
        trace = h.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        cc = h.get("Lambda-Runtime-Client-Context")
        ident = h.get("Lambda-Runtime-Cognito-Identity")
        client_context = _Obj(json.loads(cc)) if cc else None
        identity = _Obj(json.loads(ident)) if ident else _Obj({})
        context = LambdaContext(
            _request_id,
            int(h.get("Lambda-Runtime-Deadline-Ms", "0")),
            h.get("Lambda-Runtime-Invoked-Function-Arn"),
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

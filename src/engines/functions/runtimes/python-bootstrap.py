# Nimbus's Python runtime client: loads the function's handler and loops on the Lambda Runtime API (2018-06-01)
# at AWS_LAMBDA_RUNTIME_API, like the managed python3.x runtimes. Standard library only.
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"
conn = http.client.HTTPConnection(API)


def call(method, path, body=None, headers=None):
    global conn
    for attempt in (0, 1):
        try:
            conn.request(method, BASE + path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        except (http.client.HTTPException, ConnectionError):
            conn.close()
            conn = http.client.HTTPConnection(API)
            if attempt:
                raise


def error_body(exc, etype=None):
    return json.dumps({
        "errorMessage": str(exc),
        "errorType": etype or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)) if exc.__traceback__ else [],
    })


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self._deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        cc = headers.get("lambda-runtime-client-context")
        self.client_context = json.loads(cc) if cc else None
        ci = headers.get("lambda-runtime-cognito-identity")
        self.identity = json.loads(ci) if ci else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline - int(time.time() * 1000), 0)


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    if "." not in spec:
        return None, (Exception("Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec), "Runtime.MalformedHandlerName")
    module_name, func = spec.rsplit(".", 1)
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        mod = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as e:
        return None, (e, "Runtime.UserCodeSyntaxError")
    except ImportError as e:
        return None, (Exception("Unable to import module '%s': %s" % (module_name, e)), "Runtime.ImportModuleError")
    fn = getattr(mod, func, None)
    if fn is None:
        return None, (Exception("Handler '%s' missing on module '%s'" % (func, module_name)), "Runtime.HandlerNotFound")
    return fn, None


def main():
    try:
        handler, failure = load_handler()
    except Exception as e:  # noqa: BLE001
        handler, failure = None, (e, "Runtime.Unknown")
    if failure:
        exc, etype = failure
        print("[ERROR] %s: %s" % (etype, exc), flush=True)
        call("POST", "/init/error", error_body(exc, etype), {"Lambda-Runtime-Function-Error-Type": etype})
        sys.exit(1)
    while True:
        _, headers, body = call("GET", "/invocation/next")
        rid = headers.get("lambda-runtime-aws-request-id")
        if headers.get("lambda-runtime-trace-id"):
            os.environ["_X_AMZN_TRACE_ID"] = headers["lambda-runtime-trace-id"]
        try:
            event = json.loads(body) if body else None
            result = handler(event, Context(headers))
            out = json.dumps(result)
        except Exception as e:  # noqa: BLE001
            print("[ERROR] %s: %s" % (type(e).__name__, e), flush=True)
            call("POST", "/invocation/%s/error" % rid, error_body(e), {"Lambda-Runtime-Function-Error-Type": type(e).__name__})
            continue
        call("POST", "/invocation/%s/response" % rid, out, {"Content-Type": "application/json"})


main()

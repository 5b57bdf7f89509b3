# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""FakeEconomic: the HTTP contract of e-conomic, in memory.

This module holds the transport side: authentication, rate limiting, idempotency,
fault injection, routing and the `requests` adapter. The resources themselves (state,
rules, rendering) live in `resources.ResourcesMixin`; test helpers in `helpers`.
"""

import copy
import datetime
import email.utils
import hashlib
import http.client
import itertools
import json
import math
import threading
import time
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from . import openapi
from .helpers import HelpersMixin
from .resources import ROUTES, HttpError, ResourcesMixin
from .webhooks import WebhooksMixin

PROJECTS_PREFIX = "/projectsapi/v1.1.0"
# path prefix on apis.e-conomic.com -> api name, for every OpenAPI service the fake imitates
OPENAPI_PREFIXES = {openapi.service(api).base_path.lower(): api for api in openapi.SERVICE_FILES}
IDEMPOTENCY_TTL = 3600  # seconds, as documented
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8"
DEFAULT_RATE_LIMIT = (1_000_000, 60)  # effectively off; tests tighten it
CALL_COSTS = {"GET": 1, "POST": 3, "PUT": 3, "DELETE": 2, "PATCH": 3}
TOKEN_HEADERS = ("x-appsecrettoken", "x-agreementgranttoken")


class Clock:
    """Wall clock that tests can freeze and move forward (`advance`) without sleeping."""

    def __init__(self, start=None):
        self._fixed = start
        self._offset = 0.0

    def now(self):
        if self._fixed is not None:
            return self._fixed
        return time.time() + self._offset

    def __call__(self):
        return self.now()

    def freeze(self, at=None):
        self._fixed = self.now() if at is None else at

    def advance(self, seconds):
        if self._fixed is not None:
            self._fixed += seconds
        else:
            self._offset += seconds

    def utcnow(self):
        return datetime.datetime.fromtimestamp(self.now(), datetime.timezone.utc)


class Request:
    """One parsed request, as handlers see it."""

    def __init__(self, method, url, headers, body):
        parts = urlsplit(url)
        self.method = method.upper()
        self.url = url
        self.base = f"{parts.scheme or 'http'}://{parts.netloc}"
        self.full_path = parts.path or "/"
        self.query_string = parts.query
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = CaseInsensitiveDict(headers or {})
        self.body = body or b""
        self.api = "rest"
        self.api_base = self.base
        self.path = self.full_path
        lowered = self.full_path.lower()
        for prefix, api in OPENAPI_PREFIXES.items():
            if lowered == prefix or lowered.startswith(prefix + "/"):
                self.api = api
                self.api_base = self.base + self.full_path[: len(prefix)]
                self.path = self.full_path[len(prefix) :] or "/"
        self.json = None

    def link(self, relative):
        return f"{self.api_base}/{relative.lstrip('/')}"


class _Fault:
    def __init__(self, kind, count, method, path, **options):
        self.kind = kind
        self.remaining = count
        self.method = method.upper() if method else None
        self.path = path
        self.options = options

    def matches(self, method, full_path):
        if self.remaining <= 0:
            return False
        if self.method and self.method != method:
            return False
        if self.path is None:
            return True
        relative = full_path
        for prefix in OPENAPI_PREFIXES:
            if full_path.lower().startswith(prefix + "/"):
                relative = full_path[len(prefix) :]
        return any(fnmatchcase(candidate, self.path) for candidate in (full_path, relative))


class FakeEconomic(WebhooksMixin, ResourcesMixin, HelpersMixin):
    """In-memory e-conomic (Legacy REST + projectsapi subset).

    See DEVELOPERS.md for the contract and `helpers.HelpersMixin` for the test helpers.
    """

    def __init__(
        self, app_secret_token="fake-secret", agreement_grant_token="fake-grant", seed=True
    ):
        self.app_secret_token = app_secret_token
        self.agreement_grant_token = agreement_grant_token
        self.clock = Clock()
        self.sleep = time.sleep  # patch to make `latency` instant
        self.latency = 0.0
        self.lock = threading.RLock()
        # requests being answered right now, and the most seen at once (concurrency tests)
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls = []  # (method, path, status)
        self.requests = []  # richer log for assertions: dicts without token values
        self._faults = []
        self._idempotency = {}
        # Idempotency-Keys reused for another request: e-conomic's answer is undocumented
        # (economic-api.md §3.7), so the fake replays the first answer and records the misuse;
        # EconomicCase fails the test that caused it.
        self.idempotency_conflicts = []
        self._log_ids = itertools.count(0x5EED0000)
        self.set_rate_limit(*DEFAULT_RATE_LIMIT)
        self.call_costs = dict(CALL_COSTS)
        self._init_state(seed)
        self._init_webhooks()

    # ----------------------------------------------------------------- configuration
    def set_rate_limit(self, limit, per_seconds=60):
        """Token bucket of `limit` tokens refilled over `per_seconds` (shared by both hosts)."""
        with self.lock:
            self.rate_limit = int(limit)
            self.rate_window = int(per_seconds)
            self._bucket_used = 0.0
            self._bucket_time = None

    def fail_next(self, n, status, *, method=None, path=None, retry_after=1, body=None):
        """Answer the next `n` matching requests with `status` and a realistic body.

        `path` is a glob matched against the URL path, with or without the projectsapi
        prefix (e.g. "/customers*"). 429 answers carry `Retry-After: retry_after`.
        """
        with self.lock:
            self._faults.append(
                _Fault("fail", n, method, path, status=status, retry_after=retry_after, body=body)
            )

    def timeout_next(self, n, *, method=None, path=None, apply=False):
        """Make `send` raise ReadTimeout for the next `n` matching requests.

        With `apply=True` the request is processed first (the server did the work but
        the answer came too late), otherwise it never reaches the fake.
        """
        with self.lock:
            self._faults.append(_Fault("timeout", n, method, path, apply=apply))

    def lose_response_next(self, n, *, method=None, path=None):
        """Process the next `n` matching requests, then drop the connection in `send`."""
        with self.lock:
            self._faults.append(_Fault("lose", n, method, path))

    def clear_faults(self):
        with self.lock:
            self._faults.clear()

    def reset_calls(self):
        with self.lock:
            self.calls.clear()
            self.requests.clear()

    def _take_fault(self, kinds, method, full_path):
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(method, full_path):
                fault.remaining -= 1
                return fault
        return None

    # ----------------------------------------------------------------- transport
    def send(self, prepared_request, **_kwargs):
        """Drop-in for `requests.Session.send`: returns a real `requests.Response`."""
        method = prepared_request.method.upper()
        url = prepared_request.url
        full_path = urlsplit(url).path or "/"
        body = prepared_request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            timeout = self._take_fault(("timeout",), method, full_path)
            lose = None if timeout else self._take_fault(("lose",), method, full_path)
        if timeout is not None:
            if timeout.options.get("apply"):
                self.handle(method, url, dict(prepared_request.headers), body)
            else:
                with self.lock:
                    self.calls.append((method, full_path, None))
            raise requests.exceptions.ReadTimeout(
                "Read timed out (injected by FakeEconomic).", request=prepared_request
            )
        status, headers, content = self.handle(method, url, dict(prepared_request.headers), body)
        if lose is not None:
            raise requests.exceptions.ConnectionError(
                "Connection aborted: remote end closed connection without response "
                "(injected by FakeEconomic).",
                request=prepared_request,
            )
        response = requests.Response()
        response.status_code = status
        response.reason = http.client.responses.get(status, "")
        response.headers = CaseInsensitiveDict(headers)
        response._content = content
        response.url = url
        response.request = prepared_request
        response.encoding = "utf-8"
        return response

    def handle(self, method, url, headers, body):
        """Answer one HTTP request: returns (status, headers dict, body bytes)."""
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            # the latency is spent outside the lock: concurrent requests overlap, as on the
            # real network
            if self.latency:
                self.sleep(self.latency)
            request = Request(method, url, headers, body)
            with self.lock:
                status, response_headers, content = self._handle_locked(request)
                self.calls.append((request.method, request.full_path, status))
                self.requests.append(
                    {
                        "method": request.method,
                        "path": request.full_path,
                        "query": dict(request.query),
                        "body": request.body.decode("utf-8", "replace"),
                        "idempotency_key": request.headers.get("Idempotency-Key"),
                        "status": status,
                    }
                )
        finally:
            with self.lock:
                self.in_flight -= 1
        return status, response_headers, content

    def _handle_locked(self, request):
        fault = self._take_fault(("fail",), request.method, request.full_path)
        if fault is not None:
            return self._finish(request, *self._injected_failure(request, fault.options))
        if not self._authenticated(request):
            return self._finish(request, *self._unauthorized(request), cost=0)
        cost = self.call_costs.get(request.method, 1)
        retry_after = self._consume_tokens(cost)
        if retry_after is not None:
            return self._finish(
                request, *self._too_many_requests(request, retry_after), cost=cost, charge=False
            )
        key = request.headers.get("Idempotency-Key")
        cache_key = None
        if key and request.method in WRITE_METHODS:
            cache_key = (self.agreement_grant_token, key)
            cached = self._idempotency.get(cache_key)
            if cached and self.clock.now() - cached["time"] < IDEMPOTENCY_TTL:
                if cached["request"] != self._request_digest(request):
                    self.idempotency_conflicts.append(
                        {
                            "key": key,
                            "first": cached["described"],
                            "again": f"{request.method} {request.full_path}",
                            "body": request.body.decode("utf-8", "replace")[:500],
                        }
                    )
                replay_headers = dict(cached["headers"])
                replay_headers["X-ResultFromCache"] = "true"
                replay_headers.update(self._rate_headers(cost))
                return cached["status"], replay_headers, cached["content"]
        status, headers, content = self._finish(request, *self._dispatch(request), cost=cost)
        if cache_key and status < 500:
            self._idempotency[cache_key] = {
                "time": self.clock.now(),
                "request": self._request_digest(request),
                "described": f"{request.method} {request.full_path}",
                "status": status,
                "headers": {
                    k: v
                    for k, v in headers.items()
                    if not k.startswith("X-Rate") and k != "X-CallCost"
                },
                "content": content,
            }
        return status, headers, content

    @staticmethod
    def _request_digest(request):
        """What an Idempotency-Key is bound to: method, path and body (JSON compared as data)."""
        try:
            body = json.dumps(json.loads(request.body), sort_keys=True).encode()
        except ValueError:
            body = request.body
        return (request.method, request.full_path.lower(), hashlib.sha256(body).hexdigest())

    def _dispatch(self, request):
        if request.method in ("POST", "PUT") or (request.method in WRITE_METHODS and request.body):
            content_type = request.headers.get("Content-Type", "")
            if content_type.split(";")[0].strip().lower() != "application/json":
                return self._error(
                    request,
                    415,
                    "Unsupported Media Type.",
                    "Use the Content-Type 'application/json'.",
                )
            try:
                request.json = json.loads(request.body.decode("utf-8")) if request.body else None
            except (UnicodeDecodeError, ValueError):
                return self._error(
                    request,
                    400,
                    "Invalid JSON in request body.",
                    "The request body must be a JSON document.",
                )
        if request.api != "rest":
            refused = self._openapi_refusal(request)
            if refused:
                return refused
        allowed_methods = set()
        for method, pattern, handler_name, api in ROUTES:
            if api != request.api:
                continue
            match = pattern.fullmatch(request.path.rstrip("/") or "/")
            if not match:
                continue
            if method != request.method:
                allowed_methods.add(method)
                continue
            params = match.groupdict()
            self._schema_errors = self._schema_violations(request, handler_name, params)
            try:
                return getattr(self, handler_name)(request, **params)
            except HttpError as exc:
                return exc.status, exc.body, exc.headers
            finally:
                self._schema_errors = None
        if request.api == "projects":
            blocked = self._projects_module_guard(request)
            if blocked:
                return blocked
        if allowed_methods:
            return self._error(
                request,
                405,
                "Method not allowed.",
                f"Allowed: {', '.join(sorted(allowed_methods))}.",
            )
        return self._not_found(request)

    def _openapi_refusal(self, request):
        """404/405/400 for a request the published OpenAPI specification does not allow."""
        service = openapi.service(request.api)
        found = service.operation(request.method, request.path)
        if found == openapi.NOT_FOUND:
            return self._not_found(request)
        if found[0] == openapi.METHOD_NOT_ALLOWED:
            return self._problem(
                405,
                "Method not allowed.",
                "MethodNotAllowed",
                headers={"Allow": ", ".join(found[1])},
            )
        if request.api == "projects":
            blocked = self._projects_module_guard(request)
            if blocked:
                return blocked
        _template, operation = found
        if service.request_schema(operation) is None:
            return None
        errors = service.validate_request(operation, request.json)
        if not errors:
            return None
        return self._problem(
            400, "Validation failed.", "ValidationFailed", openapi.problem_errors(errors)
        )

    def _finish(self, request, status, body, headers=None, cost=1, charge=True):
        """Serialise a handler result and add the headers every response carries."""
        headers = dict(headers or {})
        if isinstance(body, (bytes, bytearray)):
            content = bytes(body)
        elif body is None:
            content = b""
        else:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers.setdefault("Content-Type", JSON_CONTENT_TYPE)
        headers.update(self._rate_headers(cost if charge else 0))
        # RFC 9110 6.6.1: an origin server with a clock sends Date (second resolution)
        headers.setdefault("Date", email.utils.formatdate(self.clock.now(), usegmt=True))
        return status, headers, content

    # ----------------------------------------------------------------- auth & limits
    def _authenticated(self, request):
        return (
            request.headers.get("X-AppSecretToken") == self.app_secret_token
            and request.headers.get("X-AgreementGrantToken") == self.agreement_grant_token
        )

    def _consume_tokens(self, cost):
        """Charge `cost` tokens; return seconds to wait when the bucket is empty."""
        now = self.clock.now()
        refill_rate = self.rate_limit / float(self.rate_window)
        if self._bucket_time is not None:
            self._bucket_used = max(
                0.0, self._bucket_used - (now - self._bucket_time) * refill_rate
            )
        self._bucket_time = now
        if self._bucket_used + cost > self.rate_limit:
            return max(1, math.ceil((self._bucket_used + cost - self.rate_limit) / refill_rate))
        self._bucket_used += cost
        return None

    def _rate_headers(self, cost):
        used = min(self.rate_limit, int(math.ceil(self._bucket_used - 1e-9)))
        return {
            "X-CallCost": str(cost),
            "X-RateLimiting": (
                f"token-limit-{self.rate_limit}-per-{self.rate_window}-seconds: "
                f"{used}/{self.rate_limit}"
            ),
        }

    # ----------------------------------------------------------------- error bodies
    def log_id(self):
        return f"{next(self._log_ids):016x}-CPH"

    def log_time(self):
        return self.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S")

    def _error(self, request, status, message, hint, **extra):
        if request.api != "rest":
            return self._problem(
                status,
                message,
                extra.pop("errorCode", None)
                or http.client.responses.get(status, "Error").replace(" ", ""),
            )
        body = {
            "message": message,
            "developerHint": hint,
            "logId": self.log_id(),
            "httpStatusCode": status,
            "logTime": self.log_time(),
        }
        body.update(extra)
        return status, body, {}

    def _problem(self, status, title, error_code, errors=None, headers=None):
        # RFC 9110 section 15.5.x lists the 4xx statuses in order, 15.6.x the 5xx ones
        section = f"5.{status - 399}" if status < 500 else f"6.{status - 499}"
        body = {
            "type": f"https://tools.ietf.org/html/rfc9110#section-15.{section}",
            "title": title,
            "status": status,
            "traceId": self.log_id(),
            "errorCode": error_code,
            "traceTimeUtc": self.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if errors:
            body["errors"] = errors
        return status, body, dict({"Content-Type": PROBLEM_CONTENT_TYPE}, **(headers or {}))

    def _not_found(self, request):
        if request.api != "rest":
            return self._problem(404, "Resource not found.", "ResourceNotFound")
        return self._error(
            request,
            404,
            "Resource not found.",
            "The API tries to provide all the resource urls you need. If you have hard coded "
            "urls yourself, then try to look at the enclosing collection for hypermedia "
            "information on where the resource you are looking for could be.",
        )

    def _unauthorized(self, request):
        if request.api != "rest":
            return self._problem(401, "Unauthorized", "Unauthorized")
        return self._error(
            request,
            401,
            "Unauthorized access. Please provide valid X-AppSecretToken and "
            "X-AgreementGrantToken headers.",
            "Check the tokens. If the agreement revoked the grant given to your app, you "
            "need a new agreement grant token.",
            errorCode="E00500",
        )

    def _too_many_requests(self, request, retry_after):
        headers = {"Retry-After": str(retry_after)}
        if request.api != "rest":
            return self._problem(429, "Too many requests.", "TooManyRequests", headers=headers)
        status, body, _headers = self._error(
            request,
            429,
            "Too many requests. You are over your quota.",
            "Need to wait a bit. Check info in the response headers.",
            errorCode="E00429",
        )
        return status, body, headers

    def _injected_failure(self, request, options):
        status = options["status"]
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(options.get("retry_after", 1))
        if options.get("body") is not None:
            return status, copy.deepcopy(options["body"]), headers
        if status == 401:
            return self._unauthorized(request)
        if status == 404:
            return self._not_found(request)
        if status == 429:
            return self._too_many_requests(request, options.get("retry_after", 1))
        messages = {
            500: (
                "An error occurred. Please try again later.",
                "The error has been logged; contact support with the logId.",
            ),
            502: ("Bad gateway.", "Temporary problem; try again."),
            503: (
                "The service is temporarily unavailable.",
                "e-conomic is down for maintenance or overloaded; try again later.",
            ),
            504: ("Gateway timeout.", "Temporary problem; try again."),
        }
        message, hint = messages.get(
            status, (http.client.responses.get(status, "Error") + ".", "Injected failure.")
        )
        result_status, body, extra = self._error(request, status, message, hint)
        extra = dict(extra)
        extra.update(headers)
        return result_status, body, extra

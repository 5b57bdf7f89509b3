# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Constants of the e-conomic client: base URLs, paging, retry policy, header names."""

# Base URLs. The Odoo settings pass their own values (a fake or a proxy in tests).
REST_URL = "https://restapi.e-conomic.com"  # Legacy REST
OPENAPI_URL = "https://apis.e-conomic.com"  # OpenAPI services, one versioned path each
# api name accepted by EconomicClient.request() -> path under OPENAPI_URL ("rest" = REST_URL)
OPENAPI_SERVICES = {
    "projects": "projectsapi/v1.1.0",
    "webhooks": "webhooksapi/v1.0.0",
}

# Paging (Legacy REST: skippages/pagesize, max 1000; OpenAPI: cursor)
PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
FILTER_IN_MAX_VALUES = 200  # more values in $in:/$nin: -> 400

# Transport and retry policy
DEFAULT_TIMEOUT = 30  # seconds
DEFAULT_MAX_RETRIES = 4
BACKOFF_BASE = 0.5  # seconds; attempt n waits uniform(0, min(BACKOFF_CAP, BASE * 2**(n-1)))
BACKOFF_CAP = 30.0
# Retry-After is honoured on any status (429, 503...) up to RETRY_AFTER_CAP; a longer one is
# not waited for in the request: the error is raised and the job's own schedule retries later.
RETRY_AFTER_CAP = 60.0
# All waits of one request together (backoff and Retry-After) stay within this budget.
RETRY_WAIT_BUDGET = 120.0
# Worst case of one client.request(): every attempt times out, every wait is spent.
REQUEST_WORST_CASE_SECONDS = RETRY_WAIT_BUDGET + (DEFAULT_MAX_RETRIES + 1) * DEFAULT_TIMEOUT
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD"})  # retried without an idempotency key

# Headers
APP_SECRET_HEADER = "X-AppSecretToken"
AGREEMENT_GRANT_HEADER = "X-AgreementGrantToken"
SENSITIVE_HEADERS = frozenset({APP_SECRET_HEADER, AGREEMENT_GRANT_HEADER})
IDEMPOTENCY_HEADER = "Idempotency-Key"
RATE_LIMIT_HEADER = "X-RateLimiting"  # "token-limit-10000-per-60-seconds: 147/10000"
CALL_COST_HEADER = "X-CallCost"
FROM_CACHE_HEADER = "X-ResultFromCache"
RETRY_AFTER_HEADER = "Retry-After"
JSON_CONTENT_TYPE = "application/json"

REDACTED = "***"

# Error codes with a meaning of their own
MISSING_MODULE_CODE = "AccessDeniedAgreementMissingModules"

# Resource ids in Legacy REST URLs: these characters get a `_n_` code (docs §3.1),
# everything else non-alphanumeric is percent-encoded.
PATH_ID_CODES = {
    "<": "_0_",
    ">": "_1_",
    "*": "_2_",
    "%": "_3_",
    ":": "_4_",
    "&": "_5_",
    "/": "_6_",
    "\\": "_7_",
    "_": "_8_",
    " ": "_9_",
    "?": "_10_",
    ".": "_11_",
    "#": "_12_",
    "+": "_13_",
}

# Filter values: these characters are escaped with a leading `$`. `[` and `]` are not
# escaped: live tests showed `$[` is not honoured.
FILTER_ESCAPED_CHARS = frozenset("$()*,")

# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure-Python e-conomic client and fake. Nothing in this package imports odoo.

- ``client.EconomicClient``: the one choke point for Legacy REST and the OpenAPI services
  (headers, timeout, paging, retries with backoff, typed errors, redacted logging).
- ``exceptions``: ``EconomicError`` and its subclasses.
- ``filters``: filter expressions with e-conomic's escaping, ``encode_path_id`` for URL ids.
- ``fake``: an in-memory fake of e-conomic for tests and demos.
"""

from . import const, filters
from .client import EconomicClient, EconomicResponse, RateLimit
from .exceptions import (
    AuthenticationError,
    ConflictError,
    EconomicError,
    ForbiddenError,
    MissingModuleError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "EconomicClient",
    "EconomicError",
    "EconomicResponse",
    "ForbiddenError",
    "MissingModuleError",
    "NotFoundError",
    "RateLimit",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "const",
    "filters",
]

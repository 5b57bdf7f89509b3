# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Return route of e-conomic's grant page (Settings > e-conomic > Connect)."""

import logging
import re

from odoo import http
from odoo.http import request

from ..models.res_company import CONNECT_RETURN_PATH

_logger = logging.getLogger(__name__)

SETTINGS_PATH = "/odoo/economic-settings"
# The query string of the return route carries the agreement grant token (e-conomic appends
# ?token=...): the werkzeug request log of Odoo must not keep it.
RETURN_QUERY_RE = re.compile(rf"({re.escape(CONNECT_RETURN_PATH)}[^?\s]*)\?[^\s\"]*")
REDACTED_QUERY = r"\1?[redacted]"


def redact_connect_return(text):
    """``text`` with the query string of the Connect return route replaced."""
    return RETURN_QUERY_RE.sub(REDACTED_QUERY, text)


class ConnectReturnLogFilter(logging.Filter):
    """Redacts the Connect return route's query string from werkzeug's request lines
    (``"GET /economic/connect/return/<state>?token=... HTTP/1.1" 303 -``)."""

    def filter(self, record):
        if CONNECT_RETURN_PATH in str(record.msg) or any(
            isinstance(arg, str) and CONNECT_RETURN_PATH in arg for arg in record.args or ()
        ):
            if isinstance(record.args, tuple):
                record.args = tuple(
                    redact_connect_return(arg) if isinstance(arg, str) else arg
                    for arg in record.args
                )
            record.msg = redact_connect_return(str(record.msg))
        return True


def install_log_filter(logger_name="werkzeug"):
    """Add the filter to the request logger once (the module may be imported again)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, ConnectReturnLogFilter) for existing in logger.filters):
        logger.addFilter(ConnectReturnLogFilter())


install_log_filter()


class EconomicConnectController(http.Controller):
    @http.route(
        [CONNECT_RETURN_PATH, f"{CONNECT_RETURN_PATH}/<string:state>"],
        type="http",
        auth="user",
        methods=["GET"],
        readonly=False,
    )
    def economic_connect_return(self, state=None, token=None, **kwargs):
        """Store the agreement grant token for the administrator who clicked Connect.

        The one-time ``state`` in the path binds the answer to that administrator and
        company; any other request is refused and its token ignored.
        """
        company = request.env["res.company"]._economic_connect_finish(state, token)
        if not company:
            # The token itself is never logged.
            _logger.info(
                "e-conomic grant answer refused for user %s: unknown, expired or foreign state",
                request.env.uid,
            )
            return request.make_response(
                request.env._(
                    "This e-conomic connection was not started by you, has expired or was "
                    "already used. Start again with Connect in Settings > e-conomic."
                ),
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=403,
            )
        return request.redirect(SETTINGS_PATH)

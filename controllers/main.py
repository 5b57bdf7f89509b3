# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Return route of e-conomic's grant page (Settings > e-conomic > Connect)."""

import logging

from odoo import http
from odoo.http import request

from ..models.res_company import CONNECT_RETURN_PATH

_logger = logging.getLogger(__name__)

SETTINGS_PATH = "/odoo/economic-settings"


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

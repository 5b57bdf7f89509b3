# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""EconomicCase: Odoo tests against a fresh in-process fake e-conomic.

- ``self.fake`` is a new ``FakeEconomic`` per test; the client's requests reach it through
  Odoo's ``_request_handler`` (any other outgoing request stays blocked).
- ``self.company`` is configured against it: tokens, URLs, the lists loaded with Refresh
  lists, the required defaults, sync switched on.
- ``EconomicClient.sleep`` records the waits in ``self.sleeps`` instead of sleeping.
- ``self.run_as_cron(func)`` runs committing code (crons) on a registry cursor that shares
  the test transaction.
- After each test, a cleanup fails the test when the fake saw an Idempotency-Key reused for
  another request, or a request that is not a row of the contract table (economic/contract.py).
"""

from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..economic import contract
from ..economic.client import EconomicClient
from ..economic.fake import FakeEconomic
from ..economic.fake.app import Request

FAKE_SECRET = "fake-secret"
FAKE_GRANT = "fake-grant"
FAKE_REST_URL = "https://restapi.e-conomic.com"
FAKE_OPENAPI_URL = "https://apis.e-conomic.com"


def new_fake(**kwargs):
    """A seeded fake e-conomic accepting the test tokens."""
    kwargs.setdefault("app_secret_token", FAKE_SECRET)
    kwargs.setdefault("agreement_grant_token", FAKE_GRANT)
    return FakeEconomic(**kwargs)


@tagged("post_install", "-at_install")
class EconomicCase(TransactionCase):
    # The fake of the running test, and the URL prefixes routed to it.
    _economic_fake = None
    _economic_prefixes = ()

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        fake = cls._economic_fake
        if fake is not None and r.url.startswith(cls._economic_prefixes):
            return fake.send(r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls._economic_route_to(new_fake(), (FAKE_REST_URL, FAKE_OPENAPI_URL))
        cls.addClassCleanup(cls._economic_route_to, None, ())
        cls._economic_configure_company(cls.company)

    @classmethod
    def _economic_route_to(cls, fake, prefixes):
        # Set on EconomicCase itself so every subclass's handler sees the current fake.
        EconomicCase._economic_fake = fake
        EconomicCase._economic_prefixes = tuple(prefixes)

    @classmethod
    def _economic_configure_company(
        cls, company, *, rest_url=FAKE_REST_URL, openapi_url=FAKE_OPENAPI_URL, enable=True
    ):
        """Connect ``company`` to the fake, load its lists and choose the defaults."""
        company.write(
            {
                "economic_app_secret_token": FAKE_SECRET,
                "economic_app_public_token": "fake-public",
                "economic_grant_token": FAKE_GRANT,
                "economic_rest_url": rest_url,
                "economic_openapi_url": openapi_url,
            }
        )
        company._economic_refresh_lists()
        choice = cls._economic_choice
        company.write(
            {
                "economic_customer_group_id": choice(company, "customer_group", "1").id,
                "economic_payment_terms_id": choice(company, "payment_terms", "7").id,
                "economic_layout_id": choice(company, "layout", "19").id,
                "economic_product_vat_id": choice(company, "product", "1").id,
                "economic_product_novat_id": choice(company, "product", "2").id,
                "economic_vat_zone_id": choice(company, "vat_zone", "1").id,
                "economic_employee_group_id": choice(company, "employee_group", "1").id,
                "economic_fi_creditor": "87654321",
                "economic_payment_info": "Bankkonto: 1234 - 5678901",
            }
        )
        if enable:
            company.economic_sync_enabled = True
        return company

    @classmethod
    def _economic_choice(cls, company, kind, code):
        choice = cls.env["economic.choice"].search(
            [("company_id", "=", company.id), ("kind", "=", kind), ("code", "=", code)]
        )
        assert choice, f"the fake offers no {kind} {code}"
        return choice

    def setUp(self):
        super().setUp()
        self.fake = new_fake()
        self._economic_route_to(self.fake, self._economic_url_prefixes())
        self.sleeps = []
        sleep_patcher = patch.object(EconomicClient, "sleep", staticmethod(self.sleeps.append))
        sleep_patcher.start()
        self.addCleanup(sleep_patcher.stop)
        # registered first, so it runs last: after the test and its other cleanups
        self.addCleanup(self._economic_check_contract, self.fake)

    def _economic_check_contract(self, fake):
        """Fail the test that reused an Idempotency-Key for another request, or that made
        the connector call e-conomic outside its contract table."""
        self.assertFalse(
            fake.idempotency_conflicts,
            "Idempotency-Key reused with another request (e-conomic would replay the first "
            f"answer): {fake.idempotency_conflicts}",
        )
        outside = []
        for sent in fake.requests:
            request = Request(sent["method"], "https://e-conomic" + sent["path"], {}, b"")
            if not contract.find(sent["method"], request.api, request.path):
                outside.append(f"{sent['method']} {sent['path']}")
        self.assertFalse(outside, f"requests outside economic/contract.py: {outside}")

    def _economic_url_prefixes(self):
        companies = self.env["res.company"].sudo().search([])
        prefixes = {FAKE_REST_URL, FAKE_OPENAPI_URL}
        prefixes.update(url for url in companies.mapped("economic_rest_url") if url)
        prefixes.update(url for url in companies.mapped("economic_openapi_url") if url)
        return prefixes

    # === HELPERS === #

    def run_as_cron(self, func):
        """Run ``func(env)`` with a superuser env on a cursor that may commit.

        The cursor shares the test transaction (registry test mode), so ``func`` sees the
        test's data and its commits stay inside the test.
        """
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            result = func(api.Environment(cr, SUPERUSER_ID, {}))
        self.env.invalidate_all()
        return result

    def fake_calls(self, method=None, path_prefix=""):
        """Calls the fake answered, as ``(method, path, status)``, filtered."""
        return [
            call
            for call in self.fake.calls
            if (method is None or call[0] == method) and call[1].startswith(path_prefix)
        ]

    def assertFakeCalls(self, method, path_prefix, count, msg=None):
        """Assert the fake got ``count`` ``method`` requests whose path starts so."""
        calls = self.fake_calls(method, path_prefix)
        self.assertEqual(
            len(calls),
            count,
            msg or f"{method} {path_prefix}*: expected {count} calls, got {self.fake.calls}",
        )

    def assertNoWrites(self, msg=None):
        """Assert nothing was created, changed or deleted in e-conomic."""
        writes = [call for call in self.fake.calls if call[0] not in ("GET", "HEAD")]
        self.assertFalse(writes, msg or f"unexpected writes to e-conomic: {writes}")

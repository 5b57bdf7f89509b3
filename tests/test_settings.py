# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import psycopg2
import requests

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_datetime, mute_logger

from ..economic import exceptions as economic_exceptions
from ..models.economic_sync_mixin import economic_error_text
from ..models.res_company import SYNC_CRON_XMLID
from .common import FAKE_GRANT, EconomicCase


@tagged("post_install", "-at_install")
class TestSettings(EconomicCase):
    def _settings(self, **vals):
        return self.env["res.config.settings"].create(vals)

    # === THE FAKE IN TESTS === #

    def test_only_the_economic_urls_reach_the_fake(self):
        self.assertEqual(self.company._economic_client().get_self()["agreementNumber"], 1118081)
        self.assertFakeCalls("GET", "/self", 1)
        # Any other host stays blocked by Odoo's test harness, so a test cannot leak out.
        with self.assertRaises(requests.exceptions.ConnectionError):
            requests.get("https://www.e-conomic.com/self", timeout=5)
        self.assertFakeCalls("GET", "/self", 1)

    # === VALIDATION === #

    def test_fi_creditor_must_be_eight_digits(self):
        for wrong in ("1234567", "123456789", "1234567a", "1234 567"):
            with self.subTest(number=wrong), self.assertRaisesRegex(ValidationError, "8 digits"):
                self.company.economic_fi_creditor = wrong
        self.company.economic_fi_creditor = "12345678"
        self.company.economic_fi_creditor = False
        self.assertFalse(self.company.economic_fi_creditor)

    def test_sync_interval_at_least_five_minutes(self):
        with self.assertRaisesRegex(ValidationError, "at least 5 minutes"):
            self.company.economic_sync_interval = 4
        self.company.economic_sync_interval = 5
        self.assertEqual(self.company.economic_sync_interval, 5)

    def test_vat_percentage_between_0_and_100(self):
        for wrong in (-1, 100.5):
            with self.subTest(vat=wrong), self.assertRaisesRegex(ValidationError, "0 and 100"):
                self.company.economic_vat_percentage = wrong
        self.company.economic_vat_percentage = 0
        self.company.economic_vat_percentage = 100
        self.assertEqual(self.company.economic_vat_percentage, 100)

    def test_payment_terms_must_be_of_type_due_date(self):
        net_terms = self._economic_choice(self.company, "payment_terms", "1")
        with self.assertRaisesRegex(ValidationError, "due date"):
            self.company.economic_payment_terms_id = net_terms

    def test_line_template_placeholders_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "{customer}"):
            self.company.economic_line_description_template = "{date} {customer}"
        self.company.economic_line_description_template = "{date}: {description} ({hours} t)"

    def test_sync_cannot_be_enabled_with_required_values_missing(self):
        self.company.economic_sync_enabled = False
        self.company.write({"economic_product_vat_id": False, "economic_grant_token": False})
        self.assertEqual(
            self.company._economic_missing_settings(),
            ["Agreement Grant Token", "Product with VAT"],
        )
        with self.assertRaisesRegex(ValidationError, "Agreement Grant Token, Product with VAT"):
            self.company.economic_sync_enabled = True
        with self.assertRaisesRegex(ValidationError, "Product with VAT"):
            self._settings(economic_sync_enabled=True)

    def test_emptying_a_required_value_of_an_enabled_company_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Default Customer Group"):
            self.company.economic_customer_group_id = False

    def test_settings_form_switches_sync_on_with_the_missing_values(self):
        product = self.company.economic_product_vat_id
        self.company.write({"economic_sync_enabled": False, "economic_product_vat_id": False})
        self._settings(economic_sync_enabled=True, economic_product_vat_id=product.id)
        self.assertTrue(self.company.economic_sync_enabled)
        self.assertEqual(self.company.economic_product_vat_id, product)

    def test_settings_form_switches_sync_off_while_emptying_a_value(self):
        self._settings(economic_sync_enabled=False, economic_product_vat_id=False)
        self.assertFalse(self.company.economic_sync_enabled)
        self.assertFalse(self.company.economic_product_vat_id)

    def test_missing_settings_shown_in_settings(self):
        self.company.write({"economic_sync_enabled": False, "economic_layout_id": False})
        self.assertEqual(self._settings().economic_missing_settings, "e-conomic Layout")

    def test_base_urls_are_checked_and_normalised(self):
        self.company.economic_rest_url = " https://sandbox.example.test/ "
        self.assertEqual(self.company.economic_rest_url, "https://sandbox.example.test")
        with self.assertRaisesRegex(ValidationError, "https://"):
            self.company.economic_openapi_url = "apis.e-conomic.com"

    # === CONNECTION === #

    def test_test_connection_shows_the_agreement(self):
        self.company.write({"economic_agreement_number": False, "economic_agreement_name": False})
        action = self._settings().action_economic_test_connection()
        params = action["params"]
        self.assertEqual(params["type"], "success")
        self.assertIn("1118081", params["message"])
        self.assertIn("Demo Konsulent ApS", params["message"])
        self.assertIn("Project module: yes", params["message"])
        self.assertEqual(self.company.economic_agreement_number, "1118081")
        self.assertEqual(self.company.economic_agreement_name, "Demo Konsulent ApS")
        self.assertTrue(self.company.economic_has_project_module)
        self.assertFakeCalls("GET", "/self", 1)
        self.assertNoWrites()

    def test_failed_test_keeps_the_last_success_dated_and_shows_the_failure(self):
        self._settings().action_economic_test_connection()
        company = self.company
        tested_at = company.economic_connection_tested_at
        self.assertTrue(tested_at)
        self.assertFalse(company.economic_connection_error)
        self.company.economic_grant_token = "revoked-grant"
        params = self._settings().action_economic_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        settings = self._settings()
        # The agreement stays, as the last successful test, with its date; the failure shows.
        self.assertEqual(settings.economic_agreement_number, "1118081")
        self.assertEqual(settings.economic_connection_tested_at, tested_at)
        self.assertEqual(settings.economic_connection_error, params["message"])
        self.assertTrue(settings.economic_connection_failed_at)
        self.assertNotIn("revoked-grant", settings.economic_connection_error)
        # A successful test clears the failure.
        self.company.economic_grant_token = FAKE_GRANT
        self._settings().action_economic_test_connection()
        self.assertFalse(company.economic_connection_error)
        self.assertFalse(company.economic_connection_failed_at)
        self.assertGreaterEqual(company.economic_connection_tested_at, tested_at)

    def test_settings_form_shows_the_test_dates_and_failure(self):
        # One sentence per status (a date widget split "on / date / : agreement" in lines).
        arch = self.env["res.config.settings"].get_view()["arch"]
        for fname in ("economic_connection_success_text", "economic_connection_failure_text"):
            with self.subTest(field=fname):
                self.assertIn(f'name="{fname}"', arch)
        tested, failed = datetime(2026, 11, 28, 12, 12), datetime(2026, 11, 28, 13, 5)
        self.company.write(
            {
                "economic_connection_tested_at": tested,
                "economic_connection_failed_at": failed,
                "economic_connection_error": "e-conomic could not be reached",
                "economic_agreement_number": "123456",
                "economic_agreement_name": "Demo ApS",
            }
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            settings.economic_connection_success_text,
            f"Last successful test on {format_datetime(self.env, tested, dt_format='short')}: "
            "agreement 123456 (Demo ApS),",
        )
        self.assertEqual(
            settings.economic_connection_failure_text,
            f"Last test failed on {format_datetime(self.env, failed, dt_format='short')}: "
            "e-conomic could not be reached",
        )

    def test_notifications_have_no_redundant_title(self):
        """Every message names e-conomic: a title "e-conomic" would only repeat it."""
        settings = self._settings()
        actions = [
            settings.action_economic_test_connection(),
            settings.action_economic_refresh_lists(),
            settings.action_economic_sync_now(),
        ]
        self.fake.timeout_next(50)
        actions.append(settings.action_economic_refresh_lists())
        for action in actions:
            params = action["params"]
            with self.subTest(message=params["message"]):
                self.assertFalse(params.get("title"))
                self.assertIn("e-conomic", params["message"])

    def test_test_connection_with_a_revoked_token(self):
        self.company.economic_grant_token = "revoked-grant"
        params = self._settings().action_economic_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("wrong or the grant has been revoked", params["message"])
        self.assertNotIn("revoked-grant", params["message"])
        self.assertNotIn(FAKE_GRANT, params["message"])

    def test_test_connection_when_economic_is_unreachable(self):
        self.fake.timeout_next(50, path="/self")
        params = self._settings().action_economic_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("could not be reached", params["message"])
        # GET is retried with backoff before giving up, without really sleeping.
        self.assertTrue(self.sleeps)
        self.assertGreater(len(self.fake_calls("GET", "/self")), 1)

    def test_test_connection_without_the_project_module(self):
        self.fake.set_project_module(False)
        params = self._settings().action_economic_test_connection()["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Project module: no", params["message"])
        self.assertFalse(self.company.economic_has_project_module)

    def test_test_connection_without_tokens(self):
        self.company.write({"economic_sync_enabled": False, "economic_grant_token": False})
        with self.assertRaisesRegex(UserError, "tokens of .* are missing"):
            self._settings().action_economic_test_connection()
        self.assertFalse(self.fake.calls)

    def test_refresh_lists_loads_the_choices(self):
        self.env["economic.choice"].search([("company_id", "=", self.company.id)]).write(
            {"name": "stale"}
        )
        params = self._settings().action_economic_refresh_lists()["params"]
        self.assertEqual(params["type"], "success")
        choices = self.env["economic.choice"].search([("company_id", "=", self.company.id)])
        by_kind = {
            kind: choices.filtered(lambda choice, kind=kind: choice.kind == kind)
            for kind in set(choices.mapped("kind"))
        }
        self.assertEqual(len(by_kind["customer_group"]), 2)
        self.assertEqual(len(by_kind["payment_terms"]), 7)
        self.assertEqual(len(by_kind["vat_zone"]), 4)
        self.assertEqual(len(by_kind["layout"]), 3)
        self.assertEqual(len(by_kind["product"]), 2)
        self.assertEqual(len(by_kind["employee_group"]), 1)
        self.assertNotIn("stale", choices.mapped("name"))
        due_date = self._economic_choice(self.company, "payment_terms", "7")
        self.assertEqual(due_date._economic_term_type(), "dueDate")
        self.assertIn("(due date)", due_date.display_name)
        product = self._economic_choice(self.company, "product", "1")
        self.assertEqual(product.extra["salesPrice"], 950.0)
        self.assertNoWrites()

    def test_refresh_lists_archives_values_gone_from_economic(self):
        del self.fake.layouts[20]
        self._settings().action_economic_refresh_lists()
        layouts = self.env["economic.choice"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "layout")]
        )
        self.assertEqual(sorted(layouts.mapped("code")), ["19", "21"])
        self.assertEqual(self.company.economic_layout_id.code, "19")

    def test_refresh_lists_offline_keeps_the_lists(self):
        before = self.env["economic.choice"].search_count([("company_id", "=", self.company.id)])
        self.fake.timeout_next(50)
        params = self._settings().action_economic_refresh_lists()["params"]
        self.assertEqual(params["type"], "danger")
        after = self.env["economic.choice"].search_count([("company_id", "=", self.company.id)])
        self.assertEqual(before, after)
        # The form still offers the values.
        self.assertEqual(self._settings().economic_customer_group_id.code, "1")

    # === SCHEDULED JOB === #

    def test_sync_interval_is_applied_to_the_cron(self):
        cron = self.env.ref(SYNC_CRON_XMLID)
        self._settings(economic_sync_interval=30)
        self.assertEqual((cron.interval_number, cron.interval_type), (30, "minutes"))
        other = self.env["res.company"].create({"name": "Other ApS"})
        self.env.user.company_ids |= other
        self._economic_configure_company(other, enable=False)
        other.economic_sync_interval = 15
        self.assertEqual(cron.interval_number, 30, "a disabled company does not count")
        other.economic_sync_enabled = True
        self.assertEqual(cron.interval_number, 15, "the shortest interval wins")
        self.company.economic_sync_enabled = False
        other.economic_sync_enabled = False
        self.assertEqual(cron.interval_number, 360)

    def test_sync_now_triggers_the_cron(self):
        cron = self.env.ref(SYNC_CRON_XMLID)
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search_count([("cron_id", "=", cron.id)])
        self._settings().action_economic_sync_now()
        self.assertEqual(triggers.search_count([("cron_id", "=", cron.id)]), before + 1)
        self.assertFalse(self.fake.calls, "the button itself sends nothing")

    def test_sync_now_needs_the_sync_switched_on(self):
        self.company.write({"economic_sync_enabled": False, "economic_layout_id": False})
        with self.assertRaisesRegex(UserError, "e-conomic Layout"):
            self._settings().action_economic_sync_now()

    def test_match_existing_customers_opens_the_proposal(self):
        action = self._settings().action_economic_match_customers()
        self.assertEqual(action["res_model"], "economic.customer.match")
        self.assertEqual(action["context"]["default_company_id"], self.company.id)

    # === CONNECT (grant flow) === #

    def test_connect_opens_the_grant_page_with_a_one_time_state(self):
        action = self._settings().action_economic_connect()
        url = urlsplit(action["url"])
        self.assertEqual(
            f"{url.scheme}://{url.netloc}{url.path}",
            "https://secure.e-conomic.com/secure/api1/requestaccess.aspx",
        )
        query = parse_qs(url.query)
        self.assertEqual(query["appPublicToken"], ["fake-public"])
        self.assertEqual(query["locale"], ["da-DK"])
        company = self.company.sudo()
        self.assertEqual(
            query["redirectUrl"],
            [f"{company.get_base_url()}/economic/connect/return/{company.economic_connect_state}"],
        )
        self.assertEqual(company.economic_connect_user_id, self.env.user)

    def test_connect_needs_the_public_token(self):
        self.company.economic_app_public_token = False
        with self.assertRaisesRegex(UserError, "app public token"):
            self._settings().action_economic_connect()

    # === SECURITY === #

    def test_tokens_are_readable_by_administrators_only(self):
        manager = new_test_user(
            self.env,
            login="economic_manager",
            groups="base.group_user,economic_connector.group_economic_manager",
        )
        company = self.company.with_user(manager)
        self.assertEqual(company.economic_sync_interval, 360)
        for fname in ("economic_app_secret_token", "economic_grant_token"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                company.invalidate_recordset([fname])
                company.read([fname])
        # Users without the tokens can still have the sync code build a client.
        self.assertTrue(company._economic_client())

    def test_neutralize_blanks_the_tokens(self):
        self.company.sudo().write(
            {"economic_webhook_secret": "original-secret", "economic_webhook_state": "active"}
        )
        queries = list(get_neutralization_queries(["economic_connector"]))
        self.assertEqual(len(queries), 1)
        self.env.flush_all()
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        company = self.company.sudo()
        self.assertFalse(company.economic_app_secret_token)
        self.assertFalse(company.economic_grant_token)
        self.assertFalse(company.economic_sync_enabled)
        self.assertFalse(company.economic_webhook_secret, "the copy accepts no webhook event")
        self.assertEqual(company.economic_webhook_state, "off")
        self.assertEqual(company.economic_customer_group_id.code, "1", "defaults are kept")

    def test_each_company_sees_and_uses_its_own_settings(self):
        other = self.env["res.company"].create({"name": "Other ApS"})
        other_user = new_test_user(
            self.env,
            login="other_manager",
            groups="base.group_user,economic_connector.group_economic_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        choices = self.env["economic.choice"].with_user(other_user)
        self.assertFalse(choices.search([]), "another company's lists are invisible")
        run = self.env["economic.run"]._economic_start(self.company, "customers")
        self.assertFalse(
            self.env["economic.run"].with_user(other_user).search([("id", "=", run.id)])
        )
        with self.assertRaisesRegex(ValidationError, "another company"):
            other.economic_customer_group_id = self.company.economic_customer_group_id
        with self.assertRaisesRegex(UserError, "Other ApS"):
            other._economic_client()


@tagged("post_install", "-at_install")
class TestRunsAndErrors(EconomicCase):
    def test_run_summary(self):
        run = self.env["economic.run"]._economic_start(self.company, "customers")
        self.assertEqual(run.summary, "Running")
        run._economic_count("updated", 2)
        run._economic_count("errors")
        self.assertEqual(run.summary, "2 customers updated, 1 error")
        run._economic_count("created")
        run._economic_count("errors", 2)
        self.assertEqual(run.summary, "1 customer created, 2 customers updated, 3 errors")
        run._economic_finish()
        self.assertEqual(run.state, "done")
        self.assertEqual(self.company.economic_last_run_id, run)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.economic_last_run_summary, run.summary)

    def test_run_summary_mentions_issues_without_errors(self):
        """A remark listed without an error (e.g. a PDF not archived) is not "Nothing to do"."""
        run = self.env["economic.run"]._economic_start(self.company, "invoices")
        partner = self.env["res.partner"].create({"name": "Remark Customer ApS"})
        run._economic_finish()
        self.assertEqual(run.summary, "Nothing to do")
        run._economic_add_issue(partner, "The Odoo layout needs wkhtmltopdf")
        self.assertEqual(run.summary, "1 record needs attention")
        run._economic_add_issue(partner, "Another remark")
        run._economic_count("sent", 2)
        self.assertEqual(run.summary, "2 invoices sent, 2 records need attention")
        run._economic_count("errors")
        self.assertEqual(run.summary, "2 invoices sent, 1 error", "errors already say it")

    def test_run_stopped_by_a_revoked_token(self):
        run = self.env["economic.run"]._economic_start(self.company, "timesheets")
        message = economic_error_text(self.env, economic_exceptions.AuthenticationError(status=401))
        run._economic_finish(message, failed=True)
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.summary, f"Nothing to do: {message}")

    def test_run_issues_open_the_records(self):
        run = self.env["economic.run"]._economic_start(self.company, "customers")
        partner = self.env["res.partner"].create({"name": "Broken Customer ApS"})
        run._economic_add_issue(partner, "Name too long", log_id="log-1")
        run._economic_finish()
        action = run.action_economic_open_issues()
        issues = self.env["economic.run.issue"].search(action["domain"])
        self.assertEqual(issues.mapped("name"), ["Broken Customer ApS"])
        self.assertEqual(issues.log_id, "log-1")
        opened = issues.action_economic_open_record()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("res.partner", partner.id))

    def test_old_runs_are_forgotten(self):
        runs = self.env["economic.run"]
        now = fields.Datetime.now()

        def past_run(days, **counters):
            run = runs._economic_start(self.company, "customers")
            run.write(dict(counters, date_start=now - timedelta(days=days), state="done"))
            return run

        recent_idle, old_idle = past_run(2), past_run(10)
        busy, too_old = past_run(30, updated=3), past_run(100, updated=1)
        with_remark = past_run(10)
        with_remark._economic_add_issue(self.env.user.partner_id, "PDF not archived")
        last = past_run(200)
        self.company.economic_last_run_id = last
        runs._gc_economic_runs()
        self.assertEqual(
            (recent_idle | old_idle | busy | too_old | with_remark | last).exists(),
            recent_idle | busy | with_remark | last,
        )

    def test_unknown_counter_is_refused(self):
        run = self.env["economic.run"]._economic_start(self.company, "customers")
        with self.assertRaises(ValueError):
            run._economic_count("deleted")

    def test_error_texts(self):
        errors = economic_exceptions
        cases = [
            (errors.AuthenticationError(status=401, log_id="L1"), "revoked", "L1"),
            (errors.TransportError(), "could not be reached", None),
            (
                errors.MissingModuleError("Missing modules: Project", status=403),
                "Project module",
                None,
            ),
            (
                errors.ValidationError(
                    "Name is too long",
                    status=400,
                    field="name",
                    log_id="L2",
                    errors=[{"field": "name", "code": "E1", "message": "Name is too long"}],
                ),
                "refused the value of Name (name): Name is too long",
                "L2",
            ),
            (errors.RateLimitedError(status=429), "rate limit", None),
            (errors.NotFoundError("Customer 7 not found", status=404), "Customer 7", None),
            (errors.ServerError(status=503), "HTTP 503", None),
        ]
        for exc, expected, log_id in cases:
            with self.subTest(error=type(exc).__name__):
                text = economic_error_text(self.env, exc)
                self.assertIn(expected, text)
                if log_id:
                    self.assertIn(f"e-conomic log id: {log_id}", text)
                else:
                    self.assertNotIn("log id", text)


@tagged("post_install", "-at_install")
class TestConnectRoute(HttpCase):
    def setUp(self):
        super().setUp()
        self.company = self.env.ref("base.main_company")
        self.company.write(
            {"economic_app_public_token": "fake-public", "economic_grant_token": "old-grant"}
        )
        self.admin = self.env.ref("base.user_admin")
        self.admin.company_id = self.company
        self.company.with_user(self.admin)._economic_connect_url("http://localhost")
        self.state = self.company.sudo().economic_connect_state

    def _return(self, state, token="new-grant"):
        return self.url_open(
            f"/economic/connect/return/{state}?token={token}", allow_redirects=False
        )

    def test_return_stores_the_token_for_the_administrator_who_connected(self):
        self.authenticate("admin", "admin")
        response = self._return(self.state)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/odoo/economic-settings"))
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_grant_token, "new-grant")
        self.assertFalse(self.company.economic_connect_state)
        # one time only
        self.assertEqual(self._return(self.state, "other-grant").status_code, 403)
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_grant_token, "new-grant")

    def test_return_refused_for_another_administrator(self):
        new_test_user(self.env, login="admin2", groups="base.group_user,base.group_system")
        self.authenticate("admin2", "admin2")
        response = self._return(self.state)
        self.assertEqual(response.status_code, 403)
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_grant_token, "old-grant")

    def test_return_refused_for_an_unknown_state(self):
        self.authenticate("admin", "admin")
        self.assertEqual(self._return("forged-state").status_code, 403)
        self.assertEqual(
            self.url_open("/economic/connect/return?token=x", allow_redirects=False).status_code,
            403,
        )
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_grant_token, "old-grant")


@tagged("post_install", "-at_install")
class TestSyncMixin(EconomicCase):
    """economic.sync.mixin, seen through res.partner (any model inheriting it behaves so)."""

    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Mixin Kunde ApS"})
        self.run = self.env["economic.run"]._economic_start(self.company, "customers")

    def test_synced_then_changed_in_odoo(self):
        self.partner._economic_set_synced(42, company=self.company)
        self.assertRecordValues(
            self.partner,
            [
                {
                    "economic_number": "42",
                    "economic_company_id": self.company.id,
                    "economic_state": "synced",
                    "economic_need_sync": False,
                    "economic_error": False,
                }
            ],
        )
        self.assertTrue(self.partner.economic_sync_date)
        self.partner.comment = "not sent to e-conomic"
        self.assertFalse(self.partner.economic_need_sync)
        self.partner.with_context(economic_sync_writing=True).name = "Written by the sync"
        self.assertFalse(self.partner.economic_need_sync)
        self.partner.name = "Renamed in Odoo"
        self.assertEqual(self.partner.economic_state, "pending")
        self.assertTrue(self.partner.economic_need_sync)

    def test_never_synced_record_stays_not_synced_when_edited(self):
        self.partner.name = "Still new"
        self.assertEqual(self.partner.economic_state, "not_synced")
        self.assertTrue(self.partner.economic_need_sync)

    def test_permanent_error_waits_for_an_edit(self):
        self.partner._economic_write({"economic_idempotency_key": "key-1"})
        exc = economic_exceptions.ValidationError(
            "Name is too long",
            status=400,
            field="name",
            log_id="L9",
            errors=[{"field": "name", "code": "E1", "message": "Name is too long"}],
        )
        message = self.partner._economic_set_error(exc, run=self.run)
        self.assertRecordValues(
            self.partner,
            [
                {
                    "economic_state": "error",
                    "economic_need_sync": False,
                    "economic_error": message,
                    "economic_log_id": "L9",
                    "economic_idempotency_key": False,
                }
            ],
        )
        self.assertIn("Name is too long", self.partner.message_ids[:1].body)
        self.assertEqual(self.run.errors, 1)
        self.assertEqual(self.run.issue_ids.res_id, self.partner.id)
        self.assertEqual(self.run.issue_ids.log_id, "L9")
        self.partner.name = "Shorter"
        self.assertEqual(self.partner.economic_state, "pending")
        self.assertTrue(self.partner.economic_need_sync)

    def test_retryable_error_keeps_the_record_queued_with_its_key(self):
        self.partner._economic_write({"economic_idempotency_key": "key-1"})
        messages = len(self.partner.message_ids)
        self.partner._economic_set_error(economic_exceptions.ServerError(status=503))
        self.assertRecordValues(
            self.partner,
            [
                {
                    "economic_state": "pending",
                    "economic_need_sync": True,
                    "economic_idempotency_key": "key-1",
                }
            ],
        )
        self.assertIn("HTTP 503", self.partner.economic_error)
        self.assertEqual(len(self.partner.message_ids), messages, "no chatter noise on retries")

    def test_a_number_links_one_record_per_company(self):
        self.partner._economic_set_synced(77, company=self.company)
        other_company = self.env["res.company"].create({"name": "Other ApS"})
        twin = self.env["res.partner"].create({"name": "Twin"})
        twin._economic_set_synced(77, company=other_company)
        twin.flush_recordset()
        duplicate = self.env["res.partner"].create({"name": "Duplicate"})
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                duplicate._economic_set_synced(77, company=self.company)
                duplicate.flush_recordset()
        self.assertEqual(
            self.env["res.partner"]._economic_search_linked(self.company, [77]), self.partner
        )

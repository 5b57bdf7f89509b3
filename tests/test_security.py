# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Security findings of issue 7 (2, 15, 16, 17, 18), tested as an RPC caller with a low role."""

import logging
from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.server import CommonRequestHandler
from odoo.tests import HttpCase, new_test_user, tagged

from ..controllers.main import ConnectReturnLogFilter
from .test_timesheet_approval import EconomicInvoicingCase


@tagged("post_install", "-at_install")
class TestBookkeepingWriteProtection(EconomicInvoicingCase):
    """Finding 2: the connector's economic_* fields are written by the connector only."""

    def test_timesheet_user_cannot_approve_own_line_by_write(self):
        project = self.make_project()
        line = self.make_lines(project)
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).write({"economic_line_state": "approved"})
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).write(
                {"economic_approved_by_id": self.approver.id, "economic_send_key": "x"}
            )
        self.assertEqual(line.economic_line_state, "to_approve")
        self.send()
        self.assertFalse(self.fake_calls("POST", "/invoices/drafts/1/lines"))

    def test_sent_line_cannot_be_set_back_and_edited(self):
        project = self.project_with_draft()
        line = self.make_lines(project, hours=2.0)
        self.approve(line)
        self.send()
        draft = project.economic_draft_number
        self.assertOnDraftOnce(line, draft)
        as_user = line.with_user(self.timesheet_user)
        with self.assertRaises(AccessError):
            as_user.write({"economic_line_state": "to_approve"})
        with self.assertRaises(AccessError):
            as_user.write({"economic_line_state": "to_approve", "unit_amount": 9.0})
        with self.assertRaises(UserError):
            as_user.write({"unit_amount": 9.0})
        # An approver gets no shortcut either: only the Reset action takes a line back.
        with self.assertRaises(AccessError):
            line.with_user(self.approver).write({"economic_line_state": "to_approve"})
        self.assertEqual(line.economic_line_state, "on_draft")
        self.assertEqual(line.unit_amount, 2.0)
        self.assertEqual(self.fake.drafts[draft]["lines"][0]["quantity"], 2.0)

    def test_line_cannot_be_created_approved(self):
        project = self.make_project()
        task = self.env["project.task"].create({"name": "Design", "project_id": project.id})
        Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
        vals = {
            "project_id": project.id,
            "task_id": task.id,
            "employee_id": self.employee.id,
            "name": "Sneaky",
            "unit_amount": 3.0,
            "date": date(2026, 11, 2),
        }
        for extra in (
            {"economic_line_state": "approved"},
            {"economic_line_state": "on_draft", "economic_draft_number": 1},
            {"economic_send_key": "abc"},
        ):
            with self.subTest(extra=extra), self.assertRaises(AccessError):
                Line.create(dict(vals, **extra))
        with self.assertRaises(AccessError):
            Line.with_context(default_economic_line_state="approved").create(dict(vals))
        line = Line.create(dict(vals, economic_line_state="to_approve"))
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_product_choice_stays_the_users_but_locks_with_the_line(self):
        project = self.make_project()
        line = self.make_lines(project)
        line.with_user(self.timesheet_user).write({"economic_product_id": self.special_product.id})
        self.assertEqual(line.economic_product_id, self.special_product)
        self.approve(line)
        with self.assertRaises(UserError):
            line.with_user(self.timesheet_user).write({"economic_product_id": False})

    def test_project_bookkeeping_is_not_writable(self):
        project = self.project_with_draft()
        as_manager = project.with_user(self.approver)  # a project manager
        for vals in (
            {"economic_draft_state": "to_book"},
            {"economic_draft_number": 999},
            {"economic_draft_key": "k", "economic_lease_until": "2026-01-01 00:00:00"},
            {"economic_removals": [{"draft": 1, "line": 1}]},
            {"economic_book_key": "k"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_manager.write(vals)
        with self.assertRaises(AccessError):
            self.env["project.project"].with_user(self.approver).create(
                {"name": "Pre-booked", "economic_draft_state": "booked"}
            )
        # The project's own settings stay the manager's.
        as_manager.write({"economic_product_id": self.special_product.id})
        self.assertEqual(project.economic_draft_state, "open")

    def test_buttons_write_through_their_right_check(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        lines[0].with_user(self.approver).action_economic_reset()
        self.assertEqual(lines[0].economic_line_state, "to_approve")
        project.with_user(self.approver).action_economic_send_now()
        with self.assertRaises(AccessError):
            project.with_user(self.timesheet_user).action_economic_send_now()
        with self.assertRaises(AccessError):
            lines[1].with_user(self.timesheet_user).action_economic_reset()
        wizard = (
            self.env["economic.book.invoice"]
            .with_user(self.bookkeeper)
            .with_context(default_project_id=project.id)
            .create({})
        )
        wizard.action_book()
        self.assertEqual(project.economic_draft_state, "to_book")
        # Reopening an archived booked project is a user write that resets the draft state.
        project.sudo()._economic_forget_draft("booked")
        project.with_user(self.approver).write({"active": True})
        self.assertEqual(project.economic_draft_state, "to_create")


@tagged("post_install", "-at_install")
class TestCustomerMatchingCompany(EconomicInvoicingCase):
    """Finding 15: the matching wizard works only on a company of the user."""

    def test_manager_of_a_cannot_match_company_b(self):
        company_b = self.env["res.company"].create({"name": "Firma B ApS"})
        self._economic_configure_company(company_b, enable=False)
        self.env["res.partner"].create({"name": "B's customer", "company_id": company_b.id})
        manager_a = new_test_user(
            self.env,
            login="econ_manager_a",
            groups="base.group_user,economic_connector.group_economic_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        Wizard = self.env["economic.customer.match"].with_user(manager_a)
        self.fake.reset_calls()
        with self.assertRaises(AccessError):
            Wizard.with_context(default_company_id=company_b.id).default_get(
                ["company_id", "line_ids", "remote_customers"]
            )
        self.assertFalse(self.fake.calls, "nothing of company B's agreement was read")
        wizard = Wizard.create({"company_id": company_b.id})
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertFalse(company_b.sudo().economic_customers_matched)
        # Their own company still works.
        own = Wizard.with_context(default_company_id=self.company.id).default_get(
            ["company_id", "line_ids", "remote_customers"]
        )
        self.assertEqual(own["company_id"], self.company.id)


@tagged("post_install", "-at_install")
class TestUrlSettings(EconomicInvoicingCase):
    """Finding 17: only system administrators change the URLs; https unless loopback."""

    def test_access_rights_administrator_cannot_redirect_the_tokens(self):
        rights_admin = new_test_user(
            self.env,
            login="econ_rights_admin",
            groups="base.group_user,base.group_erp_manager,"
            "economic_connector.group_economic_manager",
        )
        company = self.company.with_user(rights_admin)
        for fname in ("economic_rest_url", "economic_openapi_url"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                company.write({fname: "https://attacker.example"})
        self.assertEqual(self.company.sudo().economic_rest_url, "https://restapi.e-conomic.com")

    def test_https_required_except_loopback(self):
        admin = new_test_user(
            self.env, login="econ_sysadmin", groups="base.group_user,base.group_system"
        )
        company = self.company.with_user(admin)
        for url in ("http://attacker.example", "http://10.0.0.5:8079", "ftp://x.example"):
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, "https://"),
                self.env.cr.savepoint(),
            ):
                company.write({"economic_rest_url": url})
                self.env.flush_all()
            self.env.invalidate_all()
        for url in (
            "http://127.0.0.1:8079",
            "http://localhost:8079",
            "http://[::1]:8079",
            "https://sandbox.example",
        ):
            with self.subTest(url=url):
                company.write({"economic_openapi_url": url})
                self.env.flush_all()
                self.assertEqual(self.company.sudo().economic_openapi_url, url)


@tagged("post_install", "-at_install")
class TestConnectReturnLog(HttpCase):
    """Finding 18: the grant token on the Connect return URL stays out of Odoo's request log."""

    def _log_request_line(self, path, code=303):
        """Have Odoo's own HTTP request handler log ``GET path`` the way it logs every
        request it serves (werkzeug logger), and return the lines logged."""
        handler = object.__new__(CommonRequestHandler)
        handler.command, handler.path, handler.request_version = "GET", path, "HTTP/1.1"
        handler.requestline = f"GET {path} HTTP/1.1"
        handler.client_address = ("127.0.0.1", 50000)
        records = []
        capture = logging.Handler(logging.INFO)
        capture.emit = records.append
        logger = logging.getLogger("werkzeug")
        level = logger.level
        logger.addHandler(capture)
        logger.setLevel(logging.INFO)
        try:
            handler.log_request(code, "-")
        finally:
            logger.removeHandler(capture)
            logger.setLevel(level)
        return [record.getMessage() for record in records]

    def test_request_log_redacts_the_grant_token(self):
        company = self.env.ref("base.main_company")
        company.write({"economic_app_public_token": "fake-public"})
        admin = self.env.ref("base.user_admin")
        admin.company_id = company
        company.with_user(admin)._economic_connect_url("http://localhost")
        state = company.sudo().economic_connect_state
        path = f"/economic/connect/return/{state}?token=grant-SECRET-42"
        self.authenticate("admin", "admin")
        response = self.url_open(path, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        company.invalidate_recordset()
        self.assertEqual(company.sudo().economic_grant_token, "grant-SECRET-42")
        lines = self._log_request_line(path)
        self.assertEqual(len(lines), 1)
        self.assertNotIn("SECRET", lines[0])
        self.assertIn(f"/economic/connect/return/{state}?[redacted] HTTP/1.1", lines[0])
        for variant in (
            "/economic/connect/return?token=grant-SECRET-42",
            "/economic/connect/return/x?state=1&token=grant-SECRET-42",
        ):
            with self.subTest(path=variant):
                self.assertNotIn("SECRET", self._log_request_line(variant, 403)[0])

    def test_filter_leaves_other_requests_alone(self):
        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            1,
            '"%s" %s %s',
            ("GET /odoo/action-1?debug=1 HTTP/1.1", "200", "-"),
            None,
        )
        self.assertTrue(ConnectReturnLogFilter().filter(record))
        self.assertEqual(record.getMessage(), '"GET /odoo/action-1?debug=1 HTTP/1.1" 200 -')
        installed = logging.getLogger("werkzeug").filters
        self.assertTrue(any(isinstance(f, ConnectReturnLogFilter) for f in installed))


@tagged("post_install", "-at_install")
class TestMoneyVisibility(EconomicInvoicingCase):
    """Finding 16: amounts, prices and invoice PDFs only for project managers and bookkeepers."""

    def test_employee_sees_no_money(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, hours=3.0)
        self.approve(lines)
        self.send()
        self.assertTrue(project.economic_draft_net_amount)
        self.assertTrue(lines.economic_sent_values)
        employee_project = project.with_user(self.timesheet_user)
        employee_lines = lines.with_user(self.timesheet_user)
        employee_project.check_access("read")
        employee_lines.check_access("read")
        with self.assertRaises(AccessError):
            employee_project.read(["economic_draft_net_amount"])
        with self.assertRaises(AccessError):
            employee_lines.read(["economic_sent_values"])
        self.assertNotIn("economic_draft_net_amount", employee_project.fields_get())
        # The employee still sees the invoice status of their lines.
        state = employee_lines.read(["economic_line_state"])[0]["economic_line_state"]
        self.assertEqual(state, "on_draft")
        # Managers and bookkeepers do see it.
        for user in (self.approver, self.bookkeeper):
            self.assertTrue(project.with_user(user).read(["economic_draft_net_amount"]))
            self.assertTrue(lines.with_user(user).read(["economic_sent_values"]))

    def test_booked_invoice_pdf_is_not_readable_by_employees(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, hours=3.0)
        self.approve(lines)
        self.send()
        self.fake.book(project.economic_draft_number)
        self.poll()
        invoice = self.env["economic.invoice"].search([("project_id", "=", project.id)])
        pdf = invoice.pdf_attachment_id
        self.assertTrue(pdf, "the booked invoice's PDF is archived")
        with self.assertRaises(AccessError):
            pdf.with_user(self.timesheet_user).check_access("read")
        with self.assertRaises(AccessError):
            pdf.with_user(self.timesheet_user).read(["datas"])
        visible = (
            self.env["ir.attachment"]
            .with_user(self.timesheet_user)
            .search([("res_model", "=", "project.project"), ("res_id", "=", project.id)])
        )
        self.assertFalse(visible.filtered(lambda a: a.mimetype == "application/pdf"))
        # No message of the project (readable by the employee) hands the PDF out.
        self.assertFalse(project.with_user(self.timesheet_user).message_ids.attachment_ids)
        pdf.with_user(self.approver).check_access("read")  # a project manager
        pdf.with_user(self.bookkeeper).check_access("read")

# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_timesheet_approval import CUSTOMER_NUMBER, EconomicInvoicingCase

SYNC_LOGGER = "odoo.addons.economic_connector.models.economic_invoice_sync"


@tagged("post_install", "-at_install")
class TestDraftInvoice(EconomicInvoicingCase):
    def draft_creations(self):
        return len([call for call in self.fake.calls if call[:2] == ("POST", "/invoices/drafts")])

    # === PROJECT <-> DRAFT === #

    def test_project_creates_draft_after_commit(self):
        self.fake.reset_calls()
        project = self.make_project(name="Webshop")
        self.assertTrue(project.economic_invoiced, "default on when the company uses e-conomic")
        self.assertEqual(project.economic_draft_state, "to_create")
        self.assertFalse(self.fake.calls, "create() never talks to e-conomic")
        self.send()
        self.assertEqual(self.draft_creations(), 1)
        number = project.economic_draft_number
        draft = self.fake.drafts[number]
        self.assertEqual(draft["customer"]["customerNumber"], CUSTOMER_NUMBER)
        self.assertEqual(draft["notes"]["heading"], "Webshop")
        self.assertEqual(draft["references"]["other"], project.economic_reference)
        self.assertRegex(project.economic_reference, rf"^odoo-[0-9a-f]{{10}}-project-{project.id}$")
        self.assertEqual(draft["layout"]["layoutNumber"], 19)
        self.assertEqual(draft["paymentTerms"]["paymentTermsNumber"], 7)
        self.assertEqual(draft["recipient"]["vatZone"]["vatZoneNumber"], 1)
        self.assertEqual(draft["recipient"]["name"], "Hansen & Co ApS")
        self.assertEqual(
            draft["dueDate"],
            fields.Date.to_string(fields.Date.from_string(draft["date"]) + timedelta(days=8)),
            "due-date terms: date + days to pay",
        )
        self.assertEqual(project.economic_draft_state, "open")
        self.assertTrue(any("Draft invoice" in body for body in self.chatter(project)))
        self.fake.reset_calls()
        self.send()
        self.assertNoWrites("a second run creates nothing")

    def test_project_not_invoiced_or_without_customer_makes_no_draft(self):
        self.fake.reset_calls()
        self.make_project(name="Internal", partner=self.env["res.partner"])
        self.make_project(name="Not via e-conomic", economic_invoiced=False)
        self.send()
        self.assertNoWrites()

    def test_archiving_changes_nothing_in_economic(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        self.fake.reset_calls()
        project.action_archive()
        self.send()
        self.poll()
        self.assertNoWrites()
        self.assertIn(number, self.fake.drafts)
        self.assertEqual(project.economic_draft_number, number)
        project.action_unarchive()
        self.send()
        self.assertNoWrites("reopening a project whose draft is still open starts nothing")

    def test_draft_deleted_in_economic_is_noticed_and_next_line_starts_new_one(self):
        project = self.project_with_draft()
        sent = self.make_lines(project)
        self.approve(sent)
        self.send()
        old = project.economic_draft_number
        self.fake.remove_draft(old)
        self.poll()
        self.assertEqual(project.economic_draft_state, "none")
        self.assertFalse(project.economic_draft_number)
        self.assertEqual(sent.economic_line_state, "error")
        self.assertIn("deleted in e-conomic", sent.economic_error)
        self.assertTrue(any("was deleted in e-conomic" in body for body in self.chatter(project)))
        self.fake.reset_calls()
        self.send()
        self.assertNoWrites("no new draft until a line is approved")
        new_line = self.make_lines(project)
        self.approve(new_line)
        self.send()
        self.assertEqual(self.draft_creations(), 1)
        self.assertNotEqual(project.economic_draft_number, old)
        self.assertOnDraftOnce(new_line, project.economic_draft_number)

    def test_draft_deleted_noticed_by_404_on_send(self):
        project = self.project_with_draft()
        old = project.economic_draft_number
        self.fake.remove_draft(old)
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        self.assertNotEqual(project.economic_draft_number, old)
        self.assertOnDraftOnce(lines, project.economic_draft_number)
        self.assertTrue(any("was deleted in e-conomic" in body for body in self.chatter(project)))

    def test_draft_made_in_economic_creates_inactive_project(self):
        number = self.fake.add_draft(CUSTOMER_NUMBER, notes={"heading": "Made by hand"})
        self.poll()
        project = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search([("economic_draft_number", "=", number)])
        )
        self.assertEqual(len(project), 1)
        self.assertFalse(project.active)
        self.assertEqual(project.name, "Made by hand")
        self.assertEqual(project.partner_id, self.customer)
        self.assertTrue(project.economic_draft_external)
        self.poll()
        self.assertEqual(
            self.env["project.project"]
            .with_context(active_test=False)
            .search_count([("economic_draft_number", "=", number)]),
            1,
            "a second poll does not import the draft again",
        )
        # Activated, its approved time goes onto that draft.
        self.fake.reset_calls()
        project.action_unarchive()
        line = self.make_lines(project)
        self.approve(line)
        self.send()
        self.assertEqual(self.draft_creations(), 0)
        self.assertOnDraftOnce(line, number)

    def test_line_edited_in_economic_is_a_sync_error(self):
        project = self.project_with_draft()
        edited, removed, kept = self.make_lines(project, count=3)
        self.approve(edited | removed | kept)
        self.send()
        number = project.economic_draft_number
        self.fake.edit_draft_line(number, edited.economic_line_number, quantity=7.0)
        self.fake.edit_draft_line(number, removed.economic_line_number, delete=True)
        self.poll()
        self.assertEqual(edited.economic_line_state, "error")
        self.assertIn("changed", edited.economic_error)
        self.assertEqual(removed.economic_line_state, "error")
        self.assertIn("removed", removed.economic_error)
        self.assertEqual(kept.economic_line_state, "on_draft")
        self.assertIn("changed", project.economic_sync_error)
        self.assertIn("removed", project.economic_sync_error)
        self.assertTrue(any("Sync error" in body for body in self.chatter(project)))
        # Resetting the lines concerned clears it; they go back onto the draft once.
        (edited | removed).with_user(self.approver).action_economic_reset()
        self.assertFalse(project.economic_sync_error)
        self.approve(edited | removed)
        self.send()
        self.assertOnDraftOnce(edited | removed | kept, number)

    def test_draft_smart_button_shows_the_lines_on_the_draft(self):
        project = self.project_with_draft()
        on_draft = self.make_lines(project, count=2)
        waiting = self.make_lines(project)
        self.approve(on_draft)
        self.send()
        action = project.with_user(self.approver).action_economic_view_lines()
        self.assertNotIn("search_default_economic_to_approve", action["context"])
        shown = self.env["account.analytic.line"].search(action["domain"])
        self.assertEqual(shown, on_draft)
        self.assertNotIn(waiting, shown)
        self.assertIn(str(project.economic_draft_number), action["name"])

    def test_chatter_subtype_adds_no_description_line(self):
        subtype = self.env.ref("economic_connector.mt_project_economic_sync")
        self.assertFalse(subtype.description, "it would be printed above every message")

    # === SENDING: OUTBOX === #

    @mute_logger(SYNC_LOGGER)  # the expected failure is logged with its traceback
    def test_unexpected_error_in_one_project_does_not_stop_the_others(self):
        broken, healthy = self.project_with_draft(name="Broken"), self.project_with_draft()
        broken_lines, healthy_lines = self.make_lines(broken), self.make_lines(healthy)
        self.approve(broken_lines | healthy_lines)
        sync_class = type(self.env["economic.invoice.sync"])
        # The lines' preparation is where both ways of sending (one by one, in flight) pass.
        original = sync_class._economic_prepare_lines

        def prepare_lines(sync, project, batch, queued=None):
            if project.name == "Broken":
                project.write({"economic_draft_line_count": 99})  # rolled back
                raise ZeroDivisionError("a bug")
            return original(sync, project, batch, queued)

        with patch.object(sync_class, "_economic_prepare_lines", prepare_lines):
            self.send()
        self.assertOnDraftOnce(healthy_lines, healthy.economic_draft_number)
        self.assertEqual(broken_lines.economic_line_state, "approved", "still queued")
        self.assertEqual(broken.economic_draft_line_count, 0, "rolled back to its last commit")
        self.assertIn("a bug", broken.economic_error)
        self.assertTrue(broken.economic_outbox_pending)
        self.assertTrue(broken.economic_next_attempt, "retried later (backoff)")
        self.assertFalse(broken.economic_lease_until, "the lease is released")
        run = self.env["economic.run"].search([("kind", "=", "timesheets")], limit=1)
        self.assertEqual(run.errors, 1)
        self.assertEqual(run.issue_ids.res_id, broken.id)
        self.assertEqual(run.state, "done")
        self.expire_backoff(broken)
        self.send()
        self.assertOnDraftOnce(broken_lines, broken.economic_draft_number)
        self.assertFalse(broken.economic_error)

    def test_economic_down_during_approval(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=3)
        self.fake.fail_next(50, 503)
        self.approve(lines)
        self.send()
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.assertTrue(all(lines.mapped("economic_error")), "queued with the reason")
        self.assertTrue(project.economic_next_attempt, "retried later (backoff)")
        self.assertTrue(project.economic_outbox_pending)
        run = self.env["economic.run"].search([("kind", "=", "timesheets")], limit=1)
        self.assertEqual(run.errors, 1)
        self.assertEqual(run.issue_ids.res_id, project.id)
        self.fake.reset_calls()
        self.send()
        self.assertFalse(self.fake.calls, "not before the next attempt time")
        self.fake.clear_faults()
        self.expire_backoff(project)
        self.send()
        self.assertOnDraftOnce(lines, project.economic_draft_number)
        self.assertFalse(project.economic_error)
        self.assertFalse(project.economic_outbox_pending)

    def test_rate_limit_storm(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=5)
        self.approve(lines)
        self.fake.fail_next(40, 429, retry_after=30)
        self.send()
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        wait = project.economic_next_attempt - fields.Datetime.now()
        self.assertGreaterEqual(wait.total_seconds(), 29, "Retry-After is honoured")
        for _attempt in range(12):
            if not project.economic_outbox_pending:
                break
            self.expire_backoff(project)
            self.send()
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_lost_response_after_economic_stored_lines(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        lines = self.make_lines(project, count=4)
        self.approve(lines)
        # Every answer to the POST is lost, retries included: the outcome stays unknown.
        self.fake.lose_response_next(10, method="POST", path=f"/invoices/drafts/{number}/lines")
        self.send()
        self.assertEqual(len(self.draft_line_ids(number)), 4, "e-conomic stored them once")
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.assertTrue(all(lines.mapped("economic_send_key")), "in doubt: key kept")
        self.fake.clear_faults()
        self.fake.clear_idempotency_cache()  # even after the 1-hour cache is gone
        self.fake.reset_calls()
        self.expire_backoff(project)
        self.send()
        self.assertFakeCalls("GET", f"/invoices/drafts/{number}", 1)
        self.assertFakeCalls("POST", f"/invoices/drafts/{number}/lines", 0)
        self.assertOnDraftOnce(lines, number)

    def test_lost_response_recovered_by_idempotency_key(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.fake.lose_response_next(1, method="POST", path=f"/invoices/drafts/{number}/lines")
        self.send()
        self.assertOnDraftOnce(lines, number)

    def test_lost_response_on_draft_creation(self):
        self.fake.lose_response_next(10, method="POST", path="/invoices/drafts")
        project = self.make_project()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        self.assertFalse(project.economic_draft_number)
        self.assertEqual(len(self.fake.drafts), 1, "e-conomic stored the draft")
        self.fake.clear_faults()
        self.fake.clear_idempotency_cache()
        self.expire_backoff(project)
        self.fake.reset_calls()
        self.send()
        self.assertEqual(self.draft_creations(), 0)
        self.assertEqual(len(self.fake.drafts), 1)
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_two_workers_sending_at_once(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        lines = self.make_lines(project, count=3)
        self.approve(lines)
        fake_handle = self.fake.handle
        second_worker = []

        def handle_while_another_worker_runs(method, url, headers, body):
            if (
                method == "POST"
                and url.endswith(f"/invoices/drafts/{number}/lines")
                and not second_worker
            ):
                second_worker.append(True)
                # A second cron worker starts while the first is waiting for e-conomic.
                with self.registry.cursor() as cr:
                    api.Environment(cr, SUPERUSER_ID, {})[
                        "account.analytic.line"
                    ]._cron_economic_send_lines()
            return fake_handle(method, url, headers, body)

        with patch.object(self.fake, "handle", side_effect=handle_while_another_worker_runs):
            self.send()
        self.assertTrue(second_worker)
        self.assertFakeCalls("POST", f"/invoices/drafts/{number}/lines", 1)
        self.assertOnDraftOnce(lines, number)
        self.assertFalse(project.economic_lease_until, "the lease is released")

    def test_expired_lease_of_a_crashed_worker_is_taken_over(self):
        project = self.project_with_draft()
        lines = self.make_lines(project)
        self.approve(lines)
        project.sudo().write({"economic_lease_until": fields.Datetime.now() + timedelta(minutes=5)})
        self.send()
        self.assertEqual(lines.economic_line_state, "approved", "held by another worker")
        project.sudo().write({"economic_lease_until": fields.Datetime.now() - timedelta(minutes=1)})
        self.send()
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_refused_lines_stay_queued_with_reason(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.fake.fail_next(1, 400, method="POST")
        self.send()
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.assertTrue(all(lines.mapped("economic_error")))
        self.assertTrue(any("did not accept" in body for body in self.chatter(project)))
        self.expire_backoff(project)
        self.send()
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_prices_read_once_per_customer_and_product(self):
        projects = [self.project_with_draft(name=f"P{index}") for index in range(3)]
        lines = self.env["account.analytic.line"]
        for project in projects:
            lines |= self.make_lines(project, count=4)
        self.approve(lines)
        self.fake.reset_calls()
        self.send()
        self.assertFakeCalls("GET", f"/customers/{CUSTOMER_NUMBER}/templates/invoiceline", 1)
        self.assertFakeCalls("POST", "/invoices/drafts/", 3)
        for project in projects:
            self.assertOnDraftOnce(
                lines.filtered(lambda line, p=project: line.project_id == p),
                project.economic_draft_number,
            )

    def test_unlinked_customer_is_created_before_its_draft(self):
        self.company.sudo().economic_customers_matched = True
        newcomer = self.env["res.partner"].create(
            {"name": "Nyt Firma ApS", "is_company": True, "country_id": self.env.ref("base.dk").id}
        )
        project = self.make_project(name="New customer", partner=newcomer)
        lines = self.make_lines(project)
        self.approve(lines)
        self.send()
        self.assertTrue(newcomer.economic_number, "the customer was created in e-conomic")
        draft = self.fake.drafts[project.economic_draft_number]
        self.assertEqual(draft["customer"]["customerNumber"], int(newcomer.economic_number))
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_typed_customer_number_is_not_a_link(self):
        # A number typed on the partner before its first sync does not mean the customer
        # exists in e-conomic: it is created (and linked) before its draft.
        self.company.sudo().economic_customers_matched = True
        typed = self.env["res.partner"].create(
            {
                "name": "Tastet Nummer ApS",
                "is_company": True,
                "country_id": self.env.ref("base.dk").id,
                "economic_number": "4711",
            }
        )
        self.assertNotIn(4711, self.fake.customers)
        project = self.make_project(name="Typed number", partner=typed)
        lines = self.make_lines(project)
        self.approve(lines)
        self.fake.reset_calls()
        self.send()
        self.assertEqual(
            len([call for call in self.fake.calls if call[:2] == ("POST", "/customers")]), 1
        )
        self.assertEqual(typed.economic_company_id, self.company)
        self.assertEqual(typed.economic_state, "synced")
        draft = self.fake.drafts[project.economic_draft_number]
        self.assertEqual(draft["customer"]["customerNumber"], int(typed.economic_number))
        self.assertIn(int(typed.economic_number), self.fake.customers)
        self.assertOnDraftOnce(lines, project.economic_draft_number)

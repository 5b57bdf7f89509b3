# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Regression tests of issue 7's invoicing findings: one test (or two) per finding, named
after it (test_fNN_...). Each failed on the code before its fix."""

from collections import defaultdict
from datetime import datetime, timedelta
from unittest.mock import patch

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import api
from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tests.test_cursor import TestCursor
from odoo.tools import SQL, mute_logger

from ..economic import const as economic_const
from ..models import economic_invoice_sync as sync_module
from .test_timesheet_approval import CUSTOMER_NUMBER, EconomicInvoicingCase

SYNC_LOGGER = "odoo.addons.economic_connector.models.economic_invoice_sync"


@tagged("post_install", "-at_install")
class TestMoneySafety(EconomicInvoicingCase):
    # === HELPERS === #

    def reset(self, lines, user=None):
        return lines.with_user(user or self.approver).action_economic_reset()

    def assertKeysBoundToBodies(self):
        """No Idempotency-Key went out with two different requests."""
        requests_by_key = defaultdict(set)
        for request in self.fake.requests:
            if request["idempotency_key"] and request["method"] != "GET":
                requests_by_key[request["idempotency_key"]].add(
                    (request["method"], request["path"], request["body"])
                )
        reused = {key: sent for key, sent in requests_by_key.items() if len(sent) > 1}
        self.assertFalse(reused, "an Idempotency-Key was reused with another request")

    def line_posts(self, number):
        return self.fake_calls("POST", f"/invoices/drafts/{number}/lines")

    def while_request(self, method, path_suffix, action):
        """Patch the fake so that ``action()`` runs once, right after e-conomic processed the
        first ``method`` request whose URL ends with ``path_suffix`` (while the job waits)."""
        fake_handle = self.fake.handle
        done = []

        def handle(req_method, url, headers, body):
            result = fake_handle(req_method, url, headers, body)
            if req_method == method and url.endswith(path_suffix) and not done:
                done.append(True)
                action()
            return result

        return patch.object(self.fake, "handle", side_effect=handle), done

    def as_other_transaction(self, func, uid=None):
        """``func(env)`` in another transaction, committed (a user or a second worker)."""
        with self.registry.cursor() as cr:
            func(api.Environment(cr, uid or self.env.uid, {}))

    # === FINDING 1: a 404 is "draft deleted" only when the draft itself is gone === #

    def test_f01_unknown_product_404_keeps_draft(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        ghost = self.env["product.product"].create(
            {"name": "Deleted in e-conomic", "type": "service", "economic_number": "31"}
        )
        unknown = self.make_lines(project, economic_product_id=ghost.id)
        known = self.make_lines(project, hours=1.0)
        self.approve(unknown | known)
        self.send()
        self.assertEqual(project.economic_draft_number, number, "the live draft is kept")
        self.assertEqual(list(self.fake.drafts), [number], "no second draft")
        self.assertEqual(unknown.economic_line_state, "error")
        self.assertIn("product 31", unknown.economic_error)
        self.assertNotIn("deleted in e-conomic", unknown.economic_error)
        self.assertOnDraftOnce(known, number)
        self.assertFalse(
            any("was deleted in e-conomic" in body for body in self.chatter(project)),
            "no false 'draft deleted' message",
        )

    def test_f01_404_on_line_post_with_live_draft_keeps_draft(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.fake.fail_next(1, 404, method="POST", path=f"/invoices/drafts/{number}/lines")
        self.send()
        self.assertEqual(project.economic_draft_number, number)
        self.assertEqual(list(self.fake.drafts), [number], "no second draft")
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.assertTrue(all(lines.mapped("economic_error")), "queued with the reason")
        self.expire_backoff(project)
        self.send()
        self.assertOnDraftOnce(lines, number)

    # === FINDING 3: reset while the draft's creation is in doubt === #

    def test_f03_reset_during_create_in_doubt_removes_line_from_adopted_draft(self):
        self.fake.lose_response_next(10, method="POST", path="/invoices/drafts")
        project = self.make_project()
        lines = self.make_lines(project, count=2)
        keep, reset = lines
        self.approve(lines)
        self.send()
        self.assertFalse(project.economic_draft_number, "the answer was lost")
        self.assertEqual(len(self.fake.drafts), 1, "e-conomic stored the draft, both lines on it")
        self.reset(reset)
        self.fake.clear_faults()
        self.fake.clear_idempotency_cache()
        self.expire_backoff(project)
        self.send()
        number = project.economic_draft_number
        self.assertEqual(len(self.fake.drafts), 1, "adopted, not created again")
        self.assertOnDraftOnce(keep, number)
        self.assertNotIn(reset.id, self.draft_line_ids(number), "the reset line came off")
        self.approve(reset)
        self.send()
        self.assertEqual(self.draft_line_ids(number).count(reset.id), 1, "once, not twice")
        self.assertOnDraftOnce(lines, number)
        self.assertKeysBoundToBodies()

    def test_f03_removal_for_an_earlier_draft_is_applied_there(self):
        project = self.project_with_draft()
        earlier = project.economic_draft_number
        line = self.make_lines(project)
        self.approve(line)
        self.send()
        self.assertOnDraftOnce(line, earlier)
        # The project moved on to another draft while the line still sits on the earlier one.
        current = self.fake.add_draft(CUSTOMER_NUMBER, references={"other": "someone"})
        project.sudo().write({"economic_draft_number": current})
        self.reset(line)
        self.send()
        self.assertNotIn(line.id, self.draft_line_ids(earlier), "removed from its own draft")
        self.assertFalse(project.economic_removals, "done, not silently dropped")

    def test_f03_removal_for_an_earlier_draft_survives_the_current_draft_going(self):
        project = self.project_with_draft()
        earlier = project.economic_draft_number
        line = self.make_lines(project)
        self.approve(line)
        self.send()
        current = self.fake.add_draft(CUSTOMER_NUMBER, references={"other": "someone"})
        project.sudo().write({"economic_draft_number": current})
        self.reset(line)
        # The current draft is deleted in e-conomic and noticed before the removal is made.
        self.fake.remove_draft(current)
        self.run_as_cron(
            lambda env: env["economic.invoice.sync"]._economic_draft_gone(
                env["project.project"].browse(project.id), self.company._economic_client()
            )
        )
        self.assertEqual(project.economic_draft_state, "none")
        self.send()
        self.assertNotIn(line.id, self.draft_line_ids(earlier), "still removed from its draft")
        self.assertFalse(project.economic_removals)

    # === FINDING 4: an Idempotency-Key is bound to one exact body === #

    def test_f04_second_removal_after_lost_answer_gets_its_own_key(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        first, second = lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        self.assertOnDraftOnce(lines, number)
        self.reset(first)
        # e-conomic applies the removal, every answer (retries included) is lost.
        self.fake.lose_response_next(10, method="PUT", path=f"/invoices/drafts/{number}")
        self.send()
        self.assertNotIn(first.id, self.draft_line_ids(number))
        self.assertTrue(project.economic_removals, "outcome unknown: still queued")
        self.reset(second)
        self.fake.clear_faults()
        self.expire_backoff(project)
        self.send()  # within e-conomic's idempotency hour
        self.assertNotIn(second.id, self.draft_line_ids(number), "the second removal is made")
        self.assertNotIn(first.id, self.draft_line_ids(number))
        self.assertFalse(project.economic_removals)
        self.assertKeysBoundToBodies()

    def test_f04_booking_update_key_follows_the_body(self):
        project = self.project_with_draft()
        line = self.make_lines(project)
        self.approve(line)
        self.send()
        project.sudo().write({"economic_draft_state": "to_book", "economic_outbox_pending": True})
        number = project.economic_draft_number
        # The date PUT goes through, the answer is lost; the booking then waits.
        self.fake.lose_response_next(10, method="PUT", path=f"/invoices/drafts/{number}")
        with mute_logger(SYNC_LOGGER):
            self.send()
        project.sudo().write({"economic_book_text1": "Changed after the lost answer"})
        self.fake.clear_faults()
        self.expire_backoff(project)
        self.send()
        self.assertEqual(len(self.fake.booked), 1)
        booked = self.fake.booked[max(self.fake.booked)]
        self.assertEqual(booked["notes"].get("textLine1"), "Changed after the lost answer")
        self.assertKeysBoundToBodies()

    # === FINDING 7: a reset during the send is not overwritten === #

    def test_f07_reset_during_line_post_is_not_overwritten(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        reset, kept = lines = self.make_lines(project, count=2)
        self.approve(lines)

        def user_resets():
            self.as_other_transaction(
                lambda env: env["account.analytic.line"].browse(reset.id).action_economic_reset(),
                uid=self.approver.id,
            )

        patcher, done = self.while_request("POST", f"/invoices/drafts/{number}/lines", user_resets)
        with patcher:
            self.send()
        self.assertTrue(done)
        self.assertEqual(reset.economic_line_state, "to_approve", "the user's reset wins")
        self.assertOnDraftOnce(kept, number)
        self.send()  # the removal queued by the reset
        self.assertNotIn(reset.id, self.draft_line_ids(number))
        self.assertOnDraftOnce(kept, number)

    def test_f07_reset_during_draft_creation_is_not_overwritten(self):
        project = self.make_project()
        reset, kept = lines = self.make_lines(project, count=2)
        self.approve(lines)

        def user_resets():
            self.as_other_transaction(
                lambda env: env["account.analytic.line"].browse(reset.id).action_economic_reset(),
                uid=self.approver.id,
            )

        patcher, done = self.while_request("POST", "/invoices/drafts", user_resets)
        with patcher:
            self.send()
        self.assertTrue(done)
        number = project.economic_draft_number
        self.assertEqual(reset.economic_line_state, "to_approve", "the user's reset wins")
        self.assertNotIn(reset.id, self.draft_line_ids(number), "and it came off the draft")
        self.assertOnDraftOnce(kept, number)

    # === FINDING 8: the lease === #

    def test_f08_lease_renewed_before_each_write(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        on_draft = self.make_lines(project)
        self.approve(on_draft)
        self.send()
        queued = self.make_lines(project)
        self.reset(on_draft)
        self.approve(queued)
        fake_handle = self.fake.handle
        leases = []

        def handle(method, url, headers, body):
            if method != "GET":
                with self.registry.cursor() as cr:
                    cr.execute(
                        "SELECT economic_lease_until FROM project_project WHERE id = %s",
                        [project.id],
                    )
                    leases.append(cr.fetchone()[0])
            return fake_handle(method, url, headers, body)

        with patch.object(self.fake, "handle", side_effect=handle):
            self.send()
        self.assertEqual(len(leases), 2, "the removal PUT and the lines POST")
        self.assertTrue(all(leases), "each write goes out under a lease")
        self.assertLess(leases[0], leases[1], "renewed (extended) before the second write")
        self.assertOnDraftOnce(queued, number)

    def test_f08_lease_outlasts_the_worst_case_of_one_request(self):
        client = sync_module.CompanyBatch(self.company, {}).client
        longest_wait = max(economic_const.RETRY_AFTER_CAP, economic_const.BACKOFF_CAP)
        worst = timedelta(
            seconds=(client.max_retries + 1) * client.timeout + client.max_retries * longest_wait
        )
        self.assertGreaterEqual(
            sync_module.LEASE, 2 * worst, "one request must end well within the lease"
        )

    def test_f08_lost_lease_stops_before_the_next_request(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        on_draft = self.make_lines(project)
        self.approve(on_draft)
        self.send()
        queued = self.make_lines(project)
        self.reset(on_draft)
        self.approve(queued)

        def second_worker_takes_over():
            # The first worker's lease ran out during the PUT: another worker claimed it.
            self.as_other_transaction(
                lambda env: env.cr.execute(
                    SQL(
                        "UPDATE project_project SET economic_lease_until = %s WHERE id = %s",
                        datetime.now() + timedelta(minutes=30),
                        project.id,
                    )
                )
            )

        patcher, done = self.while_request(
            "PUT", f"/invoices/drafts/{number}", second_worker_takes_over
        )
        self.fake.reset_calls()
        with patcher, mute_logger(SYNC_LOGGER):
            self.send()
        self.assertTrue(done)
        self.assertFalse(self.line_posts(number), "no request after the lease was lost")
        self.assertTrue(project.economic_lease_until, "the other worker's lease is untouched")
        self.assertEqual(queued.economic_line_state, "approved")
        # The other worker finishes (here: its lease expired, the next run takes over).
        project.sudo().write({"economic_lease_until": datetime.now() - timedelta(minutes=1)})
        self.expire_backoff(project)
        self.send()
        self.assertOnDraftOnce(queued, number)
        self.assertNotIn(on_draft.id, self.draft_line_ids(number))

    # === FINDING 9: companies that cannot send are not queried === #

    def test_f09_company_with_sync_off_does_not_starve_others(self):
        other = self.env["res.company"].create({"name": "Slukket ApS"})
        self._economic_configure_company(other, enable=False)  # complete, sync switched off
        off_project = self.make_project(name="Off", company_id=other.id)
        self.assertTrue(off_project.economic_outbox_pending)
        off_employee = self.env["hr.employee"].create({"name": "Bo", "company_id": other.id})
        off_line = self.make_lines(off_project, employee_id=off_employee.id)
        off_line.sudo().write({"economic_line_state": "approved"})  # approved before sync went off
        ready = self.project_with_draft(name="Ready")
        self.assertGreater(ready.id, off_project.id, "the waiting project comes first in order")
        lines = self.make_lines(ready)
        self.approve(lines)
        triggers = []
        service_class = type(self.env["economic.invoice.sync"])
        with (
            patch.object(sync_module, "OUTBOX_BATCH", 1),
            patch.object(
                service_class, "_economic_trigger_send", lambda self, at=None: triggers.append(at)
            ),
        ):
            self.send()
        self.assertOnDraftOnce(lines, ready.economic_draft_number)
        self.assertFalse(triggers, "the cron does not re-trigger itself for the waiting project")
        self.assertIn("Approved, waiting", off_line.economic_status_label)
        self.assertIn("switched off", off_line.economic_status_label)

    # === FINDING 10: lines end on a draft or in a visible error === #

    def test_f10_preflight_refuses_excluded_customer_pending_matching_and_sync_off(self):
        excluded = self.env["res.partner"].create(
            {"name": "Udeladt ApS", "is_company": True, "economic_exclude": True}
        )
        excluded._economic_set_synced("902", company=self.company)
        line = self.make_lines(self.make_project(name="Excluded", partner=excluded))
        with self.assertRaisesRegex(UserError, "Leave out of e-conomic"):
            self.approve(line)

        self.company.sudo().economic_customers_matched = False
        newcomer = self.env["res.partner"].create({"name": "Ny Kunde ApS", "is_company": True})
        line = self.make_lines(self.make_project(name="Unmatched", partner=newcomer))
        with self.assertRaisesRegex(UserError, "matching"):
            self.approve(line)

        line = self.make_lines(self.make_project(name="Sync off"))
        self.company.sudo().economic_sync_enabled = False
        with self.assertRaisesRegex(UserError, "switched off"):
            self.approve(line)

    def test_f10_lines_queued_when_draft_booked_in_economic_get_clear_state(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        sent = self.make_lines(project)
        self.approve(sent)
        self.send()
        invoice_number = self.fake.book(number)
        late = self.make_lines(project)
        self.approve(late)
        self.send()
        self.assertEqual(project.economic_draft_state, "booked")
        self.assertEqual(sent.economic_line_state, "invoiced")
        self.assertEqual(late.economic_line_state, "error", "not 'Approved' on a closed project")
        self.assertIn(str(invoice_number), late.economic_error)
        self.assertIn("Reopen the project", late.economic_error)
        self.assertFalse(project.economic_error, "no stale error on the closed project")
        self.assertFalse(project.economic_outbox_pending)
        self.assertTrue(any("still waiting to be sent" in body for body in self.chatter(project)))
        self.assertEqual(list(self.fake.drafts), [], "no new draft for the closed project")

    def test_f10_lines_queued_when_poll_notices_the_booking_get_clear_state(self):
        project = self.project_with_draft()
        sent = self.make_lines(project)
        self.approve(sent)
        self.send()
        late = self.make_lines(project)
        self.approve(late)  # queued, not sent yet
        invoice_number = self.fake.book(project.economic_draft_number)
        self.poll()
        self.assertEqual(project.economic_draft_state, "booked")
        self.assertEqual(late.economic_line_state, "error")
        self.assertIn(str(invoice_number), late.economic_error)
        self.assertFalse(project.economic_error)
        self.send()
        self.assertEqual(late.economic_line_state, "error", "not retried on the closed project")

    # === FINDING 12: the quantity checked is the quantity sent === #

    def test_f12_hours_rounding_to_zero_are_refused(self):
        project = self.project_with_draft()
        number = project.economic_draft_number
        tiny = self.make_lines(project, hours=0.004)
        with self.assertRaisesRegex(UserError, "zero hours"):
            self.approve(tiny)
        # Approved before this check existed: refused when sending, never sent as 0.
        tiny.sudo().write({"economic_line_state": "approved"})
        project.sudo()._economic_enqueue()
        self.send()
        self.assertEqual(tiny.economic_line_state, "error")
        self.assertNotIn(tiny.id, self.draft_line_ids(number))
        quantities = [line.get("quantity") for line in self.fake.drafts[number].get("lines", [])]
        self.assertNotIn(0, quantities)

    # === FINDING 13: a booked invoice is found only by facts that identify the draft === #

    def test_f13_booked_invoice_found_only_by_identifying_facts(self):
        heading = "Made by hand"
        client = self.company._economic_client()
        service = self.env["economic.invoice.sync"]
        external = self.fake.add_draft(CUSTOMER_NUMBER, notes={"heading": heading})
        project = self.make_project(name=heading)
        project.sudo().write(
            {
                "economic_draft_number": external,
                "economic_draft_external": True,
                "economic_draft_state": "open",
            }
        )
        lines = self.make_lines(project)
        self.approve(lines)
        self.send()
        self.assertOnDraftOnce(lines, external)
        ours = self.fake.book(external)
        # Booked afterwards for the same customer: same heading and same amount.
        decoy = self.fake.book(
            self.fake.add_draft(
                CUSTOMER_NUMBER,
                notes={"heading": heading},
                lines=[
                    {"product": {"productNumber": "30"}, "quantity": 2.0, "unitNetPrice": 950.0}
                ],
            )
        )
        self.assertEqual(self.fake.booked[decoy]["netAmount"], self.fake.booked[ours]["netAmount"])
        found = service._economic_find_booked(project, client)
        self.assertEqual(found["bookedInvoiceNumber"], ours)

        # A draft made in e-conomic without any Odoo line on it: nothing identifies it.
        other_external = self.fake.add_draft(CUSTOMER_NUMBER, notes={"heading": heading})
        bare = self.make_project(name=heading)
        bare.sudo().write(
            {
                "economic_draft_number": other_external,
                "economic_draft_external": True,
                "economic_draft_state": "open",
                "economic_draft_net_amount": self.fake.booked[decoy]["netAmount"],
            }
        )
        self.fake.remove_draft(other_external)
        self.assertIsNone(service._economic_find_booked(bare, client))

    # === FINDING 14: references are unique per database === #

    def set_database_uuid(self, value):
        self.env["ir.config_parameter"].sudo().set_param("database.uuid", value)

    def test_f14_adoption_ignores_another_databases_draft(self):
        project = self.make_project()
        lines = self.make_lines(project)
        self.approve(lines)
        own_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        # A restored copy (another database.uuid) created a draft for "its" project with
        # the same id on the same agreement.
        self.set_database_uuid("0badc0de-0000-4000-8000-000000000000")
        project.invalidate_recordset(["economic_reference"])
        foreign_reference = project.economic_reference
        self.set_database_uuid(own_uuid)
        project.invalidate_recordset(["economic_reference"])
        self.assertNotEqual(project.economic_reference, foreign_reference)
        self.assertNotEqual(project.economic_reference, f"odoo-project-{project.id}")
        foreign = self.fake.add_draft(CUSTOMER_NUMBER, references={"other": foreign_reference})
        # Our own creation never reaches e-conomic: in doubt, Odoo looks for its reference.
        self.fake.timeout_next(10, method="POST", path="/invoices/drafts")
        with mute_logger(SYNC_LOGGER):
            self.send()
        self.assertTrue(project.economic_draft_key, "creation in doubt")
        self.fake.clear_faults()
        self.expire_backoff(project)
        self.send()
        self.assertNotEqual(project.economic_draft_number, foreign, "not the copy's draft")
        self.assertFalse(self.fake.drafts[foreign].get("lines"), "nothing put on the copy's draft")
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_f14_neutralized_copy_writes_other_references(self):
        project = self.make_project()
        before = project.economic_reference
        path = f"{get_module_path('economic_connector')}/data/neutralize.sql"
        with open(path, encoding="utf-8") as script:
            self.env.cr.execute(script.read())
        self.env.registry.clear_cache("stable")  # ir.config_parameter's cache
        project.invalidate_recordset(["economic_reference"])
        self.assertNotEqual(project.economic_reference, before)

    # === FINDING 19: a revoked token stops the run with one message === #

    def test_f19_revoked_token_stops_the_run_with_one_message(self):
        projects = [self.project_with_draft(name=f"P{index}") for index in range(3)]
        lines = self.env["account.analytic.line"]
        for project in projects:
            lines |= self.make_lines(project)
        self.approve(lines)
        messages_before = {project: len(project.message_ids) for project in projects}
        runs_before = self.env["economic.run"].search([("kind", "=", "timesheets")])
        self.fake.fail_next(100, 401)
        self.fake.reset_calls()
        self.send()
        self.assertEqual(len(self.fake.calls), 1, "the run stops at the first 401")
        for project in projects:
            self.assertEqual(
                len(project.message_ids), messages_before[project], "no chatter per project"
            )
        run = self.env["economic.run"].search([("kind", "=", "timesheets")]) - runs_before
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "failed")
        self.assertIn("refused the tokens", run.message)
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.fake.clear_faults()
        self.send()
        for project in projects:
            self.assertOnDraftOnce(
                lines.filtered(lambda line, p=project: line.project_id == p),
                project.economic_draft_number,
            )

    # === FINDING 20: a claim that cannot lock skips only that project === #

    def test_f20_claim_serialization_failure_skips_only_that_project(self):
        locked, free = self.project_with_draft(name="Locked"), self.project_with_draft(name="Free")
        locked_lines, free_lines = self.make_lines(locked), self.make_lines(free)
        self.approve(locked_lines | free_lines)
        original = TestCursor.execute

        def execute(cursor, query, *args, **kwargs):
            if isinstance(query, SQL) and "SKIP LOCKED" in query.code and locked.id in query.params:
                # What PostgreSQL does under REPEATABLE READ when the row was changed and
                # committed by another transaction: the transaction is aborted, and raises.
                try:
                    original(cursor, "SELECT 1/0")
                except psycopg2.Error:
                    pass
                raise pg_errors.SerializationFailure("could not serialize access")
            return original(cursor, query, *args, **kwargs)

        with patch.object(TestCursor, "execute", execute), mute_logger("odoo.sql_db"):
            self.send()
        self.assertOnDraftOnce(free_lines, free.economic_draft_number)
        self.assertEqual(locked_lines.economic_line_state, "approved", "not claimed: waits")
        self.send()
        self.assertOnDraftOnce(locked_lines, locked.economic_draft_number)

# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deterministic reproductions of what the stateful test (test_stateful_invoicing) found
beyond issue 7's list: each one fails on the code it was found on."""

from odoo.tests import tagged

from ..models.account_analytic_line import marker_line_id
from .test_timesheet_approval import EconomicInvoicingCase


@tagged("post_install", "-at_install")
class TestStatefulFindings(EconomicInvoicingCase):
    def test_project_failing_for_days_does_not_stop_the_outbox(self):
        """The backoff doubles with every failed attempt before it is capped: from about the
        43rd attempt (two days of hourly retries) the delay no longer fits a timedelta, the
        error handler itself raises OverflowError and the whole sending run stops, so every
        other project waits too."""
        broken = self.project_with_draft(name="Refused")
        healthy = self.project_with_draft(name="Healthy")
        refused_line = self.make_lines(broken)
        self.approve(refused_line)
        lines_path = f"/invoices/drafts/{broken.economic_draft_number}/lines"
        for _attempt in range(50):
            # e-conomic keeps answering 503 for this draft (more than the client's retries)
            self.fake.clear_faults()
            self.fake.fail_next(10, 503, method="POST", path=lines_path)
            self.expire_backoff(broken)
            self.send()
        self.assertGreaterEqual(broken.economic_attempts, 50)
        self.assertEqual(refused_line.economic_line_state, "approved")
        self.assertTrue(refused_line.economic_error, "the waiting line says why")
        self.assertTrue(broken.economic_next_attempt, "retried later, not forgotten")
        # Meanwhile another project's work goes out as usual.
        healthy_line = self.make_lines(healthy)
        self.approve(healthy_line)
        self.expire_backoff(broken)
        self.send()
        self.assertOnDraftOnce(healthy_line, healthy.economic_draft_number)

    def test_draft_booked_in_economic_is_not_taken_for_deleted_by_the_sender(self):
        """The bookkeeper books the draft in e-conomic; before the poll notices, more time is
        approved. The sender's POST of the new lines gets 404 and takes the draft for deleted:
        the booked invoice is never recorded, its lines read "deleted in e-conomic, reset and
        approve again" (which bills them twice) and a new draft is started."""
        project = self.project_with_draft()
        billed = self.make_lines(project, count=2)
        self.approve(billed)
        self.send()
        draft_number = project.economic_draft_number
        self.assertOnDraftOnce(billed, draft_number)
        invoice_number = self.fake.book(draft_number)
        later = self.make_lines(project)
        self.approve(later)
        self.send()
        self.poll()
        self.send()
        self.assertEqual(
            set(billed.mapped("economic_line_state")),
            {"invoiced"},
            f"the lines are on booked invoice {invoice_number}: {billed.mapped('economic_error')}",
        )
        self.assertEqual(project.sudo().economic_invoice_ids.mapped("number"), [invoice_number])
        self.assertEqual(project.economic_draft_state, "booked")
        on_drafts = [
            line_id
            for draft in self.fake.drafts.values()
            for line_id in (
                marker_line_id(line.get("description")) for line in draft.get("lines") or []
            )
        ]
        self.assertNotIn(
            later.id, on_drafts, "a closed project starts no new draft until it is reopened"
        )

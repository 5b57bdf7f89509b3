# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The draft poll: constant cost when idle, every kind of change noticed within one poll,
and no wrong conclusion when the sending job changed the project meanwhile (issue 7 #6)."""

from unittest.mock import patch

from odoo.tests import tagged

from ..models.economic_invoice_sync import EconomicInvoiceSync
from .test_timesheet_approval import CUSTOMER_NUMBER, EconomicInvoicingCase

HAND_DRAFTS = 120  # enough to show the cost does not follow the number of drafts


@tagged("post_install", "-at_install")
class TestPollCost(EconomicInvoicingCase):
    def projects_with_sent_lines(self, count):
        projects = self.env["project.project"]
        for index in range(count):
            project = self.make_project(name=f"Project {index}")
            lines = self.make_lines(project, count=2)
            self.approve(lines)
            projects |= project
        self.send()
        for project in projects:
            self.assertEqual(project.economic_draft_state, "open")
        self.fake.clock.advance(2)  # the polls come later than the changes
        return projects

    def add_hand_drafts(self, count):
        numbers = [
            self.fake.add_draft(CUSTOMER_NUMBER, notes={"heading": f"By hand {index}"})
            for index in range(count)
        ]
        self.fake.clock.advance(2)
        return numbers

    def idle_poll_calls(self):
        self.fake.reset_calls()
        self.poll()
        return list(self.fake.calls)

    def draft_reads(self, calls):
        return [call for call in calls if call[1].startswith("/invoices/drafts/")]

    def test_idle_poll_costs_the_same_whatever_the_number_of_drafts(self):
        self.projects_with_sent_lines(3)
        self.poll()  # first poll: full list, reads the drafts Odoo sent lines to
        self.poll()
        few = self.idle_poll_calls()
        self.add_hand_drafts(HAND_DRAFTS)
        self.poll()  # imports them
        self.poll()
        many = self.idle_poll_calls()
        self.assertLessEqual(len(many), 3, many)
        self.assertEqual(len(many), len(few), "the cost does not grow with the drafts")
        self.assertFalse(self.draft_reads(many), "an idle poll reads no draft")
        self.assertEqual({call[0] for call in many}, {"GET"})

    def test_each_kind_of_change_is_noticed_within_one_poll(self):
        edited, booked, deleted, untouched = self.projects_with_sent_lines(4)
        self.add_hand_drafts(20)
        self.poll()
        self.poll()
        self.assertFalse(self.draft_reads(self.idle_poll_calls()))
        edited_line = edited.timesheet_ids[0]
        self.fake.edit_draft_line(
            edited.economic_draft_number, edited_line.economic_line_number, quantity=9.0
        )
        booked_number = self.fake.book(booked.economic_draft_number)
        self.fake.remove_draft(deleted.economic_draft_number)
        by_hand = self.fake.add_draft(CUSTOMER_NUMBER, notes={"heading": "Made by hand"})
        self.fake.clock.advance(2)
        self.fake.reset_calls()
        self.poll()
        self.assertEqual(edited_line.economic_line_state, "error")
        self.assertEqual(booked.economic_draft_state, "booked")
        self.assertEqual(booked.economic_invoice_ids.number, booked_number)
        self.assertEqual(deleted.economic_draft_state, "none")
        self.assertEqual(
            self.env["project.project"]
            .with_context(active_test=False)
            .search_count([("economic_draft_number", "=", by_hand)]),
            1,
            "the draft made by hand is imported",
        )
        self.assertEqual(untouched.economic_draft_state, "open")
        self.assertEqual(set(untouched.timesheet_ids.mapped("economic_line_state")), {"on_draft"})
        reads = {call[1] for call in self.draft_reads(self.fake.calls)}
        self.assertEqual(
            reads,
            {f"/invoices/drafts/{edited.economic_draft_number}"},
            "only the changed draft with Odoo's lines is read",
        )
        self.assertFalse(self.draft_reads(self.idle_poll_calls()), "then idle again")

    def test_edit_in_the_second_of_the_last_read_is_noticed(self):
        self.fake.clock.freeze()  # e-conomic's clock stands still: one second for all below
        project = self.projects_with_sent_lines(1)
        number = project.economic_draft_number
        line = project.timesheet_ids[0]
        self.fake.edit_draft(number, notes={"heading": "Renamed in e-conomic"})
        self.poll()
        self.poll()
        self.assertEqual(line.economic_line_state, "on_draft")
        stamp = self.fake.drafts[number]["lastUpdated"]
        self.fake.edit_draft_line(number, line.economic_line_number, quantity=5.0)
        self.assertEqual(
            self.fake.drafts[number]["lastUpdated"],
            stamp,
            "same second as the last read: lastUpdated alone cannot show the edit",
        )
        self.poll()
        self.assertEqual(line.economic_line_state, "error")

    def test_settled_draft_is_read_again_only_when_its_stamp_moves(self):
        project = self.projects_with_sent_lines(1)
        self.poll()
        self.poll()
        self.assertTrue(project.economic_draft_seen_settled)
        self.assertFalse(self.draft_reads(self.idle_poll_calls()))
        self.fake.add_draft_line(project.economic_draft_number, product={"productNumber": "30"})
        self.fake.clock.advance(2)
        calls = self.idle_poll_calls()
        self.assertEqual(len(self.draft_reads(calls)), 1)


@tagged("post_install", "-at_install")
class TestPollSenderRace(EconomicInvoicingCase):
    """Issue 7 finding 6: the sending job changes a project between the poll's reading of
    the projects and its claim of the project."""

    def poll_with_sender_in_between(self, sender_step):
        original = EconomicInvoiceSync._economic_poll_list_drafts

        def list_drafts(service, company, client, projects):
            projects.mapped("economic_draft_number")  # the poll has read the projects
            sender_step(service.env.cr)
            return original(service, company, client, projects)

        with patch.object(EconomicInvoiceSync, "_economic_poll_list_drafts", list_drafts):
            self.poll()

    def test_project_booked_from_odoo_meanwhile_stays_booked(self):
        project = self.make_project()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        number = project.economic_draft_number

        def book_from_odoo(cr):
            # the sender, in its own transaction: books in e-conomic, closes the project
            self.fake.book(number)
            cr.execute(
                "UPDATE project_project SET economic_draft_number = 0, "
                "economic_draft_state = 'booked' WHERE id = %s",
                [project.id],
            )

        self.poll_with_sender_in_between(book_from_odoo)
        project.invalidate_recordset()
        self.assertEqual(project.economic_draft_state, "booked")
        self.assertFalse(
            [body for body in self.chatter(project) if "was deleted" in body],
            "no 'Draft invoice 0 was deleted'",
        )
        self.assertEqual(set(lines.mapped("economic_line_state")), {"on_draft"})

    def test_draft_replaced_meanwhile_is_not_orphaned(self):
        project = self.make_project()
        self.send()
        old = project.economic_draft_number
        new = self.fake.add_draft(CUSTOMER_NUMBER, references={"other": project.economic_reference})

        def replace_draft(cr):
            # the sender found the old draft gone and made a new one for the project
            self.fake.remove_draft(old)
            cr.execute(
                "UPDATE project_project SET economic_draft_number = %s WHERE id = %s",
                [new, project.id],
            )

        self.poll_with_sender_in_between(replace_draft)
        project.invalidate_recordset()
        self.assertEqual(project.economic_draft_number, new, "the new draft stays linked")
        self.assertEqual(project.economic_draft_state, "open")
        self.poll()
        self.assertEqual(project.economic_draft_number, new)

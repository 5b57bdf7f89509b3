# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customers: scope, export, update, no-op, matching, both ways, failures."""

from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import EconomicCase


class CustomerSyncCase(EconomicCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.dk")
        cls.Partner = cls.env["res.partner"]

    def sync(self):
        """One master-data run for the test company, as the cron does it ("Sync now")."""
        self.company.economic_master_synced_at = False
        self.env.flush_all()
        return self.run_as_cron(lambda env: env["res.partner"]._cron_economic_sync_master_data())

    def last_run(self, kind="customers"):
        return self.env["economic.run"].search(
            [("company_id", "=", self.company.id), ("kind", "=", kind)],
            order="id desc",
            limit=1,
        )

    def customer(self, **values):
        values.setdefault("is_company", True)
        values.setdefault("economic_is_customer", True)
        return self.Partner.create(values)

    def empty_agreement(self):
        self.fake.customers.clear()

    def assertNoCustomerWrites(self):
        writes = [call for call in self.fake_calls(path_prefix="/customers") if call[0] != "GET"]
        self.assertFalse(writes, f"unexpected customer writes: {writes}")

    def remote(self, partner):
        return self.fake.customers[int(partner.economic_number)]


@tagged("post_install", "-at_install")
class TestCustomerSync(CustomerSyncCase):
    def test_which_partners_are_customers(self):
        marked = self.customer(name="Marked A/S")
        project_company = self.Partner.create({"name": "Project Company", "is_company": True})
        contact = self.Partner.create({"name": "Contact", "parent_id": project_company.id})
        self.env["project.project"].create({"name": "P1", "partner_id": contact.id})
        excluded = self.customer(name="Excluded", economic_exclude=True)
        plain = self.Partner.create({"name": "Just a vendor", "is_company": True})
        customers = self.Partner.search(self.Partner._economic_customer_domain(self.company))
        self.assertIn(marked, customers)
        self.assertIn(project_company, customers, "the project's commercial partner counts")
        self.assertNotIn(contact, customers, "a contact person is not a customer")
        self.assertNotIn(excluded, customers)
        self.assertNotIn(plain, customers)

    def test_first_export_to_empty_agreement(self):
        self.empty_agreement()
        danish = self.customer(
            name="Hansen Consult ApS",
            street="Vestergade 12",
            street2="2. sal",
            zip="8000",
            city="Aarhus C",
            country_id=self.env.ref("base.dk").id,
            email="faktura@hansen.example",
            phone="+45 12 34 56 78",
            website="https://hansen.example",
            vat="DK12345678",
            economic_ean="5790000123456",
        )
        german = self.customer(name="Nordic GmbH", country_id=self.env.ref("base.de").id)
        american = self.customer(name="Acme Inc", country_id=self.env.ref("base.us").id)
        exempt = self.customer(
            name="Forening", country_id=self.env.ref("base.dk").id, economic_vat_zone="4"
        )
        self.sync()
        self.assertEqual(len(self.fake.customers), 4)
        self.assertEqual(len(self.fake_calls("POST", "/customers")), 4)
        for partner in danish | german | american | exempt:
            self.assertTrue(partner.economic_number, "e-conomic's number is written back")
            self.assertEqual(partner.economic_state, "synced")
            self.assertFalse(partner.economic_need_sync)
            self.assertEqual(partner.economic_company_id, self.company)
        remote = self.remote(danish)
        self.assertEqual(remote["name"], "Hansen Consult ApS")
        self.assertEqual(remote["address"], "Vestergade 12\n2. sal")
        self.assertEqual(remote["zip"], "8000")
        self.assertEqual(remote["city"], "Aarhus C")
        self.assertEqual(remote["country"], "Denmark")
        self.assertEqual(remote["email"], "faktura@hansen.example")
        self.assertEqual(remote["telephoneAndFaxNumber"], "+45 12 34 56 78")
        self.assertEqual(remote["website"], "https://hansen.example")
        self.assertEqual(remote["corporateIdentificationNumber"], "12345678")
        self.assertEqual(remote["ean"], "5790000123456")
        self.assertEqual(remote["currency"], self.company.currency_id.name)
        self.assertEqual(remote["customerGroup"]["customerGroupNumber"], 1)
        self.assertEqual(remote["paymentTerms"]["paymentTermsNumber"], 7)
        zones = {
            partner: self.remote(partner)["vatZone"]["vatZoneNumber"]
            for partner in danish | german | american | exempt
        }
        self.assertEqual(zones, {danish: 1, german: 2, american: 3, exempt: 4})
        self.assertNotIn("address", self.remote(german), "empty values are omitted")
        self.assertTrue(self.company.economic_customers_matched)
        run = self.last_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.created, 4)
        self.assertEqual(run.summary, "4 customers created")
        self.assertIn(
            f"Created in e-conomic as customer {danish.economic_number}",
            danish.message_ids[0].body,
        )

    def test_customer_number_given_in_odoo_is_used(self):
        self.empty_agreement()
        partner = self.customer(name="Numbered", economic_number=" 4711 ")
        self.assertEqual(partner.economic_number, "4711")
        self.sync()
        self.assertIn(4711, self.fake.customers)
        self.assertEqual(partner.economic_number, "4711")
        self.assertEqual(partner.economic_state, "synced")

    def test_customer_number_validation(self):
        for number in ("12a", "K-100", "0", "1000000000", "12 34"):
            with self.assertRaises(ValidationError) as caught:
                self.customer(name=f"Bad {number}", economic_number=number)
            self.assertIn("digits only", str(caught.exception))
        self.customer(name="First", economic_number="77")
        with self.assertRaises(ValidationError) as caught:
            self.customer(name="Second", economic_number="77")
        self.assertIn("already used by First", str(caught.exception))

    def test_update_keeps_economic_only_properties(self):
        self.empty_agreement()
        partner = self.customer(name="Update Me", city="Odense", phone="111")
        other = self.customer(name="Unchanged")
        self.sync()
        number = int(partner.economic_number)
        # Set in e-conomic only: a PUT that replaced the document blindly would clear them.
        self.fake.edit_customer(number, layout={"layoutNumber": 21}, creditLimit=5000.0)
        partner.write({"phone": "222", "city": False})
        self.assertTrue(partner.economic_need_sync)
        self.assertEqual(partner.economic_state, "pending")
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(len(self.fake_calls("PUT", "/customers")), 1)
        self.assertEqual(self.fake_calls("PUT")[0][1], f"/customers/{number}")
        self.assertEqual(len(self.fake_calls("GET", "/customers")), 1, "one batch read")
        self.assertFalse(self.fake_calls("POST"))
        remote = self.fake.customers[number]
        self.assertEqual(remote["telephoneAndFaxNumber"], "222")
        self.assertNotIn("city", remote, "a value emptied in Odoo is removed")
        self.assertEqual(remote["layout"]["layoutNumber"], 21)
        self.assertEqual(remote["creditLimit"], 5000.0)
        self.assertEqual(partner.economic_state, "synced")
        self.assertEqual(self.last_run().summary, "1 customer updated")
        self.assertEqual(other.economic_state, "synced")
        self.assertIn("Updated customer", partner.message_ids[0].body)

    def test_run_without_changes_writes_nothing(self):
        self.empty_agreement()
        for index in range(5):
            self.customer(name=f"Customer {index}")
        self.sync()
        self.fake.reset_calls()
        self.sync()
        self.assertNoWrites()
        customer_calls = self.fake_calls(path_prefix="/customers")
        self.assertFalse(customer_calls, "unchanged customers cost no call")
        self.assertLessEqual(len(self.fake.calls), 3, self.fake.calls)
        self.assertEqual(self.last_run().summary, "Nothing to do")

    def test_one_invalid_customer_does_not_stop_the_others(self):
        self.empty_agreement()
        first = self.customer(name="Good One")
        bad = self.customer(name="Bad City", city="x" * 60)  # e-conomic: city <= 50
        last = self.customer(name="Good Two")
        self.sync()
        self.assertEqual(first.economic_state, "synced")
        self.assertEqual(last.economic_state, "synced")
        self.assertEqual(bad.economic_state, "error")
        self.assertFalse(bad.economic_number)
        self.assertIn("city", bad.economic_error)
        self.assertTrue(bad.economic_log_id)
        self.assertIn(bad.economic_log_id, bad.economic_error)
        run = self.last_run()
        self.assertEqual(run.summary, "2 customers created, 1 error")
        self.assertEqual(run.issue_ids.res_id, bad.id)
        # Not retried while unchanged...
        self.fake.reset_calls()
        self.sync()
        self.assertFalse(self.fake_calls("POST", "/customers"))
        # ...and retried once fixed and saved.
        bad.city = "Aarhus"
        self.assertTrue(bad.economic_need_sync)
        self.sync()
        self.assertEqual(bad.economic_state, "synced")
        self.assertFalse(bad.economic_error)
        self.assertEqual(self.remote(bad)["city"], "Aarhus")

    def test_revoked_token_mid_run(self):
        self.empty_agreement()
        partners = (
            self.customer(name="One") | self.customer(name="Two") | self.customer(name="Three")
        )
        original_send = self.fake.send
        posts = []

        def send(request, **kwargs):
            if request.method == "POST" and request.url.endswith("/customers"):
                posts.append(request.url)
                if len(posts) == 2:
                    self.fake.fail_next(100, 401)
            return original_send(request, **kwargs)

        self.fake.send = send
        # One at a time: with requests in flight the batch's others are out before the 401
        # (TestMasterDataInFlight covers a batch stopped by the rate limit).
        self.company.economic_max_in_flight = 1
        self.sync()
        self.assertEqual(partners[0].economic_state, "synced")
        for partner in partners[1:]:
            self.assertFalse(partner.economic_number)
            self.assertNotEqual(partner.economic_state, "synced")
            self.assertTrue(partner.economic_need_sync)
        self.assertEqual(len(self.fake.customers), 1)
        run = self.last_run()
        self.assertEqual(run.state, "failed")
        self.assertIn("refused the tokens", run.message)
        self.assertEqual(run.created, 1)
        self.assertEqual(len(posts), 2, "the run stops at the first 401")

    def test_rate_limit_storm_is_ridden_out(self):
        self.empty_agreement()
        partners = self.customer(name="One") | self.customer(name="Two")
        self.fake.fail_next(3, 429, method="POST", path="/customers", retry_after=2)
        self.sync()
        self.assertEqual(set(partners.mapped("economic_state")), {"synced"})
        self.assertEqual(len(self.fake.customers), 2)
        # rounded: a request held by another one's 429 waits what is left of its Retry-After
        self.assertEqual(
            [round(seconds) for seconds in self.sleeps[:3]], [2, 2, 2], "Retry-After is honoured"
        )

    def test_rate_limit_outlasting_retries_leaves_customers_pending(self):
        self.empty_agreement()
        partner = self.customer(name="Patient")
        self.fake.fail_next(50, 429, method="POST", path="/customers")
        self.sync()
        self.assertFalse(partner.economic_number)
        self.assertTrue(partner.economic_need_sync)
        run = self.last_run()
        self.assertEqual(run.state, "failed")
        self.assertIn("rate limit", run.message)
        self.fake.clear_faults()
        self.sync()
        self.assertEqual(partner.economic_state, "synced")
        self.assertEqual(len(self.fake.customers), 1)

    def test_lost_response_after_economic_stored_the_customer(self):
        self.empty_agreement()
        partner = self.customer(name="Lost Answer")
        # Every answer to the POST is lost: e-conomic stores the customer, Odoo never learns.
        self.fake.lose_response_next(10, method="POST", path="/customers")
        self.sync()
        self.assertEqual(len(self.fake.customers), 1, "e-conomic stored it once")
        self.assertFalse(partner.economic_number)
        self.assertEqual(partner.economic_state, "pending")
        key = partner.economic_idempotency_key
        self.assertTrue(key, "the key survives for the retry")
        self.assertIn("could not be reached", partner.economic_error)
        # A later run (after a restart) sends the same key and gets the stored customer.
        self.fake.clear_faults()
        self.sync()
        self.assertEqual(len(self.fake.customers), 1, "no duplicate")
        number = next(iter(self.fake.customers))
        self.assertEqual(partner.economic_number, str(number))
        self.assertEqual(partner.economic_state, "synced")
        keys = {
            request["idempotency_key"]
            for request in self.fake.requests
            if request["method"] == "POST" and request["path"] == "/customers"
        }
        self.assertEqual(keys, {key})

    def test_batches_retrigger_the_job_until_done(self):
        self.empty_agreement()
        partners = self.Partner.browse()
        for index in range(5):
            partners |= self.customer(name=f"Batch {index}")
        cron = self.env.ref("economic_connector.ir_cron_economic_sync_master_data")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers_before = Trigger.search_count([("cron_id", "=", cron.id)])
        calls = []
        with patch("odoo.addons.economic_connector.models.economic_master_sync.ECONOMIC_BATCH", 2):
            calls.append(self.sync())
            self.assertEqual(len(self.fake.customers), 2)
            self.assertGreater(Trigger.search_count([("cron_id", "=", cron.id)]), triggers_before)
            self.assertEqual(self.last_run().state, "running")
            while calls[-1]:
                self.env.flush_all()
                calls.append(
                    self.run_as_cron(
                        lambda env: env["res.partner"]._cron_economic_sync_master_data()
                    )
                )
        self.assertEqual(calls, [True, True, False])
        self.assertEqual(len(self.fake.customers), 5)
        self.assertEqual(set(partners.mapped("economic_state")), {"synced"})
        run = self.last_run()
        self.assertEqual((run.state, run.created), ("done", 5), "one run for the whole export")
        self.assertEqual(len(self.fake_calls("GET", "/products")), 1, "products once per run")
        # Not due again before the interval has passed (unless "Sync now").
        self.fake.reset_calls()
        self.run_as_cron(lambda env: env["res.partner"]._cron_economic_sync_master_data())
        self.assertFalse(self.fake.calls)

    def test_the_scheduled_job_runs_the_sync(self):
        """Through ir.cron itself: the job's code, cron progress and batching."""
        self.empty_agreement()
        partners = self.customer(name="Cron A") | self.customer(name="Cron B")
        self.company.economic_master_synced_at = False
        cron = self.env.ref("economic_connector.ir_cron_economic_sync_master_data")
        with (
            patch("odoo.addons.economic_connector.models.economic_master_sync.ECONOMIC_BATCH", 1),
            self.enter_registry_test_mode(),
        ):
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(set(partners.mapped("economic_state")), {"synced"})
        self.assertEqual(len(self.fake.customers), 2)
        self.assertEqual(self.last_run().state, "done")

    def test_sync_now_makes_the_company_due(self):
        self.company.economic_master_synced_at = "2026-01-01 00:00:00"
        self.env["res.config.settings"].create({}).action_economic_sync_now()
        self.assertFalse(self.company.economic_master_synced_at)
        self.assertTrue(self.env["economic.master.sync"]._economic_master_data_due(self.company))

    def test_customer_being_sent_by_another_run_is_left_to_it(self):
        """Two runs never send the same customer: while another transaction holds a
        customer's row (another run is sending it), this run leaves it alone, key included;
        the next run sends it, once."""
        self.empty_agreement()
        # Committed before the test, so that another connection can lock its row; it becomes
        # a customer through a project, which does not write that row.
        held = self.env.ref("base.partner_admin")
        self.env["project.project"].create({"name": "Admin's project", "partner_id": held.id})
        free = self.customer(name="Free One")
        # Fail rather than wait if this test's transaction ever needs the held row.
        self.env.cr.execute("SET LOCAL lock_timeout = '5s'")
        other_worker = self.registry.cursor()
        try:
            other_worker.execute(
                "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE NOWAIT", [held.id]
            )
            self.assertTrue(self.sync(), "the held customer is still to send")
        finally:
            other_worker.rollback()
            other_worker.close()
        self.assertEqual(free.economic_state, "synced")
        self.assertFalse(held.economic_number)
        self.assertFalse(held.economic_idempotency_key, "not even its key was written")
        self.assertEqual(len(self.fake_calls("POST", "/customers")), 1)
        self.assertEqual(self.last_run().state, "running")
        self.sync()
        self.assertEqual(held.economic_state, "synced")
        self.assertEqual(len(self.fake_calls("POST", "/customers")), 2, "each sent once")
        self.assertEqual(len(self.fake.customers), 2)
        self.assertEqual((self.last_run().state, self.last_run().created), ("done", 2))

    def test_export_helper_for_projects(self):
        """The public helper used before creating a draft: contact -> commercial partner."""
        self.empty_agreement()
        company_partner = self.Partner.create({"name": "Client A/S", "is_company": True})
        contact = self.Partner.create({"name": "Ms Contact", "parent_id": company_partner.id})
        company_id = self.company.id

        def export(env):
            company = env["res.company"].browse(company_id)
            run = env["economic.run"]._economic_start(company, "customers")
            done = (
                env["res.partner"]
                .browse(contact.id)
                ._economic_export_customers(company, company._economic_client(), run)
            )
            run._economic_finish()
            return done.ids

        self.assertEqual(self.run_as_cron(export), company_partner.ids)
        self.assertTrue(company_partner.economic_number)
        self.assertFalse(contact.economic_number)
        # Already in step: no call at all.
        self.fake.reset_calls()
        self.assertEqual(self.run_as_cron(export), company_partner.ids)
        self.assertFalse(self.fake.calls)


@tagged("post_install", "-at_install")
class TestCustomerMatching(CustomerSyncCase):
    """The seeded agreement has customers 1 (Hansen & Co ApS) and 2 (Nordic Trading GmbH)."""

    def setUp(self):
        super().setUp()
        self.by_cvr = self.customer(name="Hansen and Company", company_registry="12345678")
        self.by_name = self.customer(name="Nordic Trading GmbH")
        self.by_email = self.customer(name="Mail Match", email="sales@mail.example")
        self.new_one = self.customer(name="Brand New ApS")
        self.mail_number = self.fake.add_customer(name="Mail Co", email="sales@mail.example")

    def proposal(self):
        return self.env["economic.customer.match"].create({"company_id": self.company.id})

    def test_no_customer_created_before_matching(self):
        self.sync()
        self.assertNoCustomerWrites()
        self.assertEqual(len(self.fake.customers), 3)
        run = self.last_run()
        # The message names the Settings button as the form labels it.
        arch = etree.fromstring(self.env["res.config.settings"].get_view()["arch"])
        (button,) = arch.xpath("//button[@name='action_economic_match_customers']")
        self.assertIn(f'"{button.get("string")}"', run.message)
        self.assertIn("Match existing customers", run.message)
        self.assertEqual(run.skipped, 4)
        self.assertFalse(self.company.economic_customers_matched)

    def test_proposal_and_confirmation(self):
        wizard = self.proposal()
        self.assertEqual(wizard.remote_count, 3)
        lines = {line.partner_id: line for line in wizard.line_ids}
        self.assertEqual(
            (
                lines[self.by_cvr].action,
                lines[self.by_cvr].economic_number,
                lines[self.by_cvr].match_reason,
            ),
            ("link", "1", "cvr"),
        )
        self.assertEqual(
            (
                lines[self.by_name].action,
                lines[self.by_name].economic_number,
                lines[self.by_name].match_reason,
            ),
            ("link", "2", "name"),
        )
        self.assertEqual(
            (lines[self.by_email].economic_number, lines[self.by_email].match_reason),
            (str(self.mail_number), "email"),
        )
        self.assertEqual(lines[self.new_one].action, "create")
        self.assertEqual((wizard.link_count, wizard.create_count, wizard.skip_count), (3, 1, 0))
        self.assertNoWrites()
        self.assertFalse(self.by_cvr.economic_number, "nothing applied before confirmation")
        # Per-line override: skip the e-mail match.
        lines[self.by_email].action = "skip"
        self.assertEqual((wizard.link_count, wizard.create_count, wizard.skip_count), (2, 1, 1))
        action = wizard.action_confirm()
        # The user is told what was applied, and the run list records it.
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertFalse(action["params"].get("title"))
        self.assertEqual(
            action["params"]["message"],
            "Customers matched with e-conomic: 2 linked, 1 to be created, 1 left out. "
            "The sync sends them in a moment.",
        )
        run = self.last_run()
        self.assertEqual(self.company.economic_last_run_id, run)
        self.assertEqual((run.linked, run.skipped, run.state), (2, 1, "done"))
        self.assertIn("1 still to be created", run.summary)
        self.assertTrue(run.summary.startswith("2 customers linked, 1 customer skipped"))
        self.assertNoWrites()
        self.assertEqual(self.by_cvr.economic_number, "1")
        self.assertEqual(self.by_name.economic_number, "2")
        self.assertTrue(self.by_email.economic_exclude)
        self.assertTrue(self.company.economic_customers_matched)
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(len(self.fake_calls("POST", "/customers")), 1, "only the new one")
        self.assertEqual(len(self.fake_calls("PUT", "/customers")), 2, "linked ones updated")
        self.assertEqual(len(self.fake.customers), 4)
        self.assertEqual(self.fake.customers[1]["name"], "Hansen and Company")
        self.assertEqual(self.fake.customers[2]["currency"], "EUR", "e-conomic's currency kept")
        self.assertEqual(self.fake.customers[2]["layout"]["layoutNumber"], 21)
        self.assertTrue(self.new_one.economic_number)
        self.assertFalse(self.by_email.economic_number)

    def test_proposal_through_the_form(self):
        """As the web client does it: the form's values, one line changed, then confirm."""
        action = self.env["ir.actions.actions"]._for_xml_id(
            "economic_connector.action_economic_customer_match"
        )
        wizard_model = self.env[action["res_model"]].with_context(
            default_company_id=self.company.id
        )
        with Form(wizard_model) as form:
            self.assertEqual((form.link_count, form.create_count, form.skip_count), (3, 1, 0))
            for index in range(len(form.line_ids)):
                with form.line_ids.edit(index) as line:
                    if line.partner_id == self.new_one:
                        line.action = "skip"
        wizard = form.record
        self.assertEqual(wizard.skip_count, 1)
        wizard.action_confirm()
        self.assertEqual(self.by_cvr.economic_number, "1")
        self.assertTrue(self.new_one.economic_exclude)

    def test_confirmation_refuses_a_number_used_twice(self):
        wizard = self.proposal()
        line = wizard.line_ids.filtered(lambda line: line.partner_id == self.new_one)
        line.write({"action": "link", "economic_number": "1"})
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertFalse(self.by_cvr.economic_number)

    def test_empty_agreement_needs_no_proposal(self):
        self.empty_agreement()
        self.sync()
        self.assertTrue(self.company.economic_customers_matched)
        self.assertEqual(len(self.fake.customers), 4)


@tagged("post_install", "-at_install")
class TestCustomerBothWays(CustomerSyncCase):
    def setUp(self):
        super().setUp()
        self.company.write(
            {"economic_customer_direction": "both", "economic_customers_matched": True}
        )

    def linked(self, number):
        return self.Partner._economic_search_linked(self.company, [number])

    def test_economic_customers_appear_in_odoo_and_follow_changes(self):
        self.sync()
        hansen = self.linked(1)
        nordic = self.linked(2)
        self.assertEqual(hansen.name, "Hansen & Co ApS")
        self.assertEqual(hansen.city, "Aarhus C")
        self.assertEqual(hansen.country_id, self.env.ref("base.dk"))
        self.assertEqual(hansen.company_registry, "12345678")
        self.assertEqual(nordic.country_id, self.env.ref("base.de"))
        self.assertFalse(nordic.economic_vat_zone, "zone 2 is what Germany gives anyway")
        self.assertEqual(hansen.economic_state, "synced")
        self.assertFalse(hansen.economic_need_sync, "a copy from e-conomic is not sent back")
        self.assertNoCustomerWrites()
        self.assertEqual(self.last_run().created, 2)
        self.fake.clock.advance(60)
        self.fake.edit_customer(1, city="Odense C", zip="5000")
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(hansen.city, "Odense C")
        self.assertEqual(hansen.zip, "5000")
        self.assertIn(
            "Updated from e-conomic customer 1", "".join(hansen.message_ids.mapped("body"))
        )
        self.assertNoWrites()
        filters = [
            request["query"].get("filter")
            for request in self.fake.requests
            if request["path"] == "/customers"
        ]
        self.assertTrue(filters and filters[0].startswith("lastUpdated$gte:"), filters)
        # Nothing changed anywhere: one read, no write.
        self.fake.reset_calls()
        self.sync()
        self.assertNoWrites()
        self.assertEqual(len(self.fake_calls("GET", "/customers")), 1)

    def test_odoo_wins_when_changed_on_both_sides(self):
        self.sync()
        hansen = self.linked(1)
        self.fake.clock.advance(60)
        self.fake.edit_customer(1, city="Odense C")
        hansen.phone = "+45 99 99 99 99"
        self.sync()
        self.assertEqual(hansen.city, "Aarhus C", "Odoo's version is kept")
        remote = self.fake.customers[1]
        self.assertEqual(remote["city"], "Aarhus C", "and sent to e-conomic")
        self.assertEqual(remote["telephoneAndFaxNumber"], "+45 99 99 99 99")
        self.assertEqual(hansen.economic_state, "synced")

# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The master-data run: products, then employees, then customers, per company.

The records keep their fields and their mapping (``_economic_prepare_payload()`` /
``_economic_prepare_vals()``); this service decides what to read and send, in which order
and batches, and commits as it goes (``ir.cron._commit_progress``). Nothing is sent to
e-conomic before the idempotency key of the write is committed, and a record is sent only
while this transaction holds its row lock, so two runs never send the same record.
"""

import logging
from collections import Counter
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..economic import exceptions as economic_errors
from ..economic import filters as economic_filters
from ..economic.parallel import InFlight
from . import economic_job_state as job_state
from .economic_lang import in_company_lang
from .economic_sync_mixin import (
    SYNC_WRITING_KEY,
    economic_error_text,
    normalized_text,
    parse_economic_datetime,
)
from .res_company import DEFAULT_SYNC_INTERVAL, SYNC_CRON_XMLID
from .res_partner import CUSTOMER_MAPPED_KEYS, customer_document_holds, document_digest

# Creates whose answer was lost are looked up before any new POST (issue 7, finding 5).
# Known [V]: e-conomic replays the answer of an Idempotency-Key for about one hour only, so a
# POST retried hours later with the same key creates the record a second time.
# Known [V S1; 3P S2]: /customers filters on customerNumber and name; a customerNumber sent
# with the POST is used as-is. Legacy /employees lists employeeNumber, name and email.
# Inferred [I]: without a number, the record is the one that still holds the values sent
# (name and the mapped fields), that no Odoo record links; if several do, the newest (highest
# number, as both number series count upwards).

_logger = logging.getLogger(__name__)

# Customers sent per cron call; the cron re-triggers itself while more remain.
ECONOMIC_BATCH = 200

# Errors that concern the whole agreement: they stop the company's run with one message.
AGREEMENT_ERRORS = (
    economic_errors.AuthenticationError,
    economic_errors.RateLimitedError,
    economic_errors.TransportError,
    economic_errors.ServerError,
    economic_errors.ForbiddenError,
    UserError,
)
# Errors that stop a batch of sends (the rest would fail the same way).
BATCH_STOPPING_ERRORS = (economic_errors.AuthenticationError, economic_errors.RateLimitedError)


class EconomicMasterSync(models.AbstractModel):
    _name = "economic.master.sync"
    _description = "e-conomic Master-Data Sync"

    # === THE RUN === #

    @api.model
    def _economic_sync_master_data(self, companies=None):
        """Products, then employees, then customers, for every company that is due.

        A company is due when its sync interval has passed since ``economic_master_synced_at``
        (cleared by "Sync now"), or while its customer export is unfinished. Each call sends at
        most ``ECONOMIC_BATCH`` customers per company and re-triggers the cron when more
        remain. Commits as it goes (cron progress).

        :param companies: restrict to these companies (default: those with sync enabled)
        :return: True when work remains (the cron has been re-triggered)
        """
        if companies is None:
            companies = self.env["res.company"]._economic_enabled_companies()
        more = False
        for company in companies.sudo():
            if self._economic_master_data_due(company):
                # What the run writes (notes, errors, run messages) is in the company's language.
                service, company = in_company_lang(company, self, company)
                more |= service._economic_sync_company(company)
        if more:
            cron = self.env.ref(SYNC_CRON_XMLID, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return more

    @api.model
    def _economic_running_customer_run(self, company):
        return (
            self.env["economic.run"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("kind", "=", "customers"),
                    ("state", "=", "running"),
                ],
                order="id desc",
                limit=1,
            )
        )

    @api.model
    def _economic_master_data_due(self, company):
        last = company.economic_master_synced_at
        interval = timedelta(minutes=company.economic_sync_interval or DEFAULT_SYNC_INTERVAL)
        return (
            not last
            or fields.Datetime.now() >= last + interval
            or bool(self._economic_running_customer_run(company))
        )

    @api.model
    def _economic_sync_company(self, company):
        """One call's share of a company's master-data run.

        The first call of a run syncs products and employees, pulls customers (both ways) and
        opens the customer run; each call then sends one batch of pending customers. The
        customer run stays "running" until no customer is pending, which is how the next call
        knows to continue it.

        :return: True when customers remain for another call
        """
        cron = self.env["ir.cron"]
        Run = self.env["economic.run"]
        Partner = self.env["res.partner"]
        run = self._economic_running_customer_run(company)
        try:
            client = company._economic_client()
            if not run:
                for kind, sync in (
                    ("products", self._economic_sync_products),
                    ("employees", self._economic_sync_employees),
                ):
                    run = Run._economic_start(company, kind)
                    cron._commit_progress()
                    sync(company, client, run)
                    run._economic_finish()
                    cron._commit_progress()
                run = Run._economic_start(company, "customers")
                cron._commit_progress()
                if not self._economic_customer_matching_ready(company, client):
                    pending = Partner._economic_pending_customers(company)
                    run._economic_count("skipped", len(pending))
                    return self._economic_end_run(
                        company, run, message=self._economic_matching_needed_text()
                    )
                if company.economic_customer_direction == "both":
                    self._economic_pull_customers(company, client, run)
            pending = Partner._economic_pending_customers(company, run)
            cron._commit_progress(remaining=len(pending))
            self._economic_export_customers(
                pending[:ECONOMIC_BATCH], company, client, run, progress=True
            )
            if Partner._economic_pending_customers(company, run, limit=1):
                return True
        except AGREEMENT_ERRORS as exc:
            # Agreement-wide: stop this company's run (the kind being synced) with one
            # message. What was committed stays; the record being sent was not marked synced.
            self.env.cr.rollback()
            _logger.warning("e-conomic master-data run of %s stopped: %s", company.name, exc)
            run = run.exists() or Run._economic_start(company, "customers")
            return self._economic_end_run(
                company, run, message=economic_error_text(self.env, exc), failed=True
            )
        return self._economic_end_run(company, run)

    @api.model
    def _economic_end_run(self, company, run, message=None, failed=False):
        """Close the customer run, which ends the company's master-data run.

        :return: False (no work remains for another call)
        """
        run._economic_finish(message=message, failed=failed)
        self.env["economic.job.state"]._economic_set(company, job_state.MASTER_SYNCED)
        self.env["ir.cron"]._commit_progress()
        self.env["res.config.settings"]._economic_notify_sync_requester(company, run)
        return False

    # === PRODUCTS (e-conomic -> Odoo) === #

    @api.model
    def _economic_sync_products(self, company, client, run):
        """Import the products of ``company``'s agreement changed since the last sync.

        Linked products are found by their link, unlinked ones by internal reference =
        product number (products of this company or shared ones). One read per 1000 changed
        products; nothing is written in Odoo for products that did not change.

        :raise AuthenticationError, RateLimitedError: passed to the caller (stops the run)
        """
        Template = self.env["product.template"].sudo().with_context(active_test=False)
        cron = self.env["ir.cron"]
        linked_domain = [("economic_company_id", "=", company.id)]
        [(cursor,)] = Template._read_group(linked_domain, aggregates=["economic_last_updated:max"])
        # gte: products changed within the newest second are read again (a no-op).
        remote_products = client.list_products(
            filter=economic_filters.gte("lastUpdated", cursor) if cursor else None
        )
        if not remote_products:
            return
        numbers = [product["productNumber"] for product in remote_products]
        by_number = {
            template.economic_number: template
            for template in Template._economic_search_linked(company, numbers)
        }
        by_code = {}
        for template in Template.search(
            [
                ("economic_company_id", "=", False),
                ("default_code", "in", numbers),
                ("company_id", "in", [company.id, False]),
            ],
            order="company_id, id",
        ):
            by_code.setdefault(template.default_code, template)
        cache = {}
        if any(
            (product.get("unit") or {}).get("unitNumber")
            and not (product.get("unit") or {}).get("name")
            for product in remote_products
        ):
            cache["unit_names"] = {
                unit["unitNumber"]: unit.get("name") for unit in client.list_units()
            }
        for remote in remote_products:
            number = remote["productNumber"]
            linked = by_number.get(number)
            template = linked or by_code.get(number)
            try:
                with self.env.cr.savepoint():
                    vals = Template._economic_prepare_vals(remote, company, cache=cache)
                    if linked:
                        self._economic_update_product(linked, vals, run)
                    else:
                        self._economic_add_product(template, number, vals, company, run)
            except (ValueError, ValidationError, UserError) as exc:
                _logger.info("e-conomic product %s not imported: %s", number, exc)
                if template:
                    template._economic_set_error(exc, run=run)
                else:
                    self._economic_import_failed(
                        run,
                        company.partner_id,
                        self.env._(
                            "e-conomic product %(number)s could not be imported: %(error)s",
                            number=number,
                            error=str(exc),
                        ),
                    )
            cron._commit_progress()

    @api.model
    def _economic_add_product(self, template, number, vals, company, run):
        """Link the product with this internal reference, else create it (unless barred)."""
        if template:
            template.with_context(lang=None).write(vals)
            template._economic_set_synced(number, company)
            template._economic_log(
                self.env._(
                    "Linked to e-conomic product %(number)s (same internal reference).",
                    number=number,
                )
            )
            run._economic_count("linked")
        elif vals["active"]:
            # The name is stored as the source value only: every language reads e-conomic's.
            template = (
                self.env["product.template"]
                .sudo()
                .with_context(lang=None)
                .create(dict(vals, company_id=company.id))
                .with_context(lang=self.env.lang)
            )
            template._economic_set_synced(number, company)
            template._economic_log(
                self.env._("Created from e-conomic product %(number)s.", number=number)
            )
            run._economic_count("created")

    @api.model
    def _economic_update_product(self, template, vals, run):
        """Write what changed in e-conomic; nothing at all when nothing did."""
        # The name is translatable: compare and write the source (English) value as before,
        # whatever language the run's texts are in.
        changed = template.with_context(lang=None)._economic_changed_values(vals)
        if not changed:
            return
        template.with_context(lang=None).write(changed)
        template._economic_set_synced()
        note = template._economic_update_note(changed)
        if note:
            template._economic_log(
                self.env._(
                    "Updated from e-conomic product %(number)s: %(changes)s.",
                    number=template.economic_number,
                    changes=note,
                )
            )
            run._economic_count("updated")

    @api.model
    def _economic_import_failed(self, run, record, message):
        """Count and list something e-conomic sent that could not be stored in Odoo."""
        run._economic_count("errors")
        run._economic_add_issue(record, message)

    # === EMPLOYEES (both ways) === #

    @api.model
    def _economic_sync_employees(self, company, client, run):
        """Link, import and export employees of ``company``.

        1. Every e-conomic employee (legacy ``GET /employees``) is found in Odoo by its link,
           then among the company's unlinked employees by the number typed on them, their
           work e-mail, then their name; found ones are linked, the others created in Odoo
           (barred ones are not imported).
        2. The company's active employees still unlinked are created in e-conomic (projectsapi
           ``POST /Employees``, in the employee group from Settings), each with an
           idempotency key committed before the call.

        Employee details are not copied after linking: each side keeps its own.
        Commits per employee linked or created (cron progress).

        :raise AuthenticationError, RateLimitedError: passed to the caller (stops the run)
        """
        Employee = self.env["hr.employee"].sudo().with_context(active_test=False)
        cron = self.env["ir.cron"]
        remote_employees = client.list_employees()
        linked_numbers = set(
            Employee.search([("economic_company_id", "=", company.id)]).mapped("economic_number")
        )
        unlinked = Employee.search(
            [
                ("company_id", "=", company.id),
                ("economic_company_id", "=", False),
                ("active", "=", True),
            ],
            order="id",
        )
        candidates = {"number": {}, "email": {}, "name": {}}
        for employee in unlinked:
            for kind, key in (
                ("number", employee.economic_number),
                ("email", normalized_text(employee.work_email)),
                ("name", normalized_text(employee.name)),
            ):
                if key:
                    candidates[kind].setdefault(key, employee)
        reasons = {
            "number": self.env._("employee number"),
            "email": self.env._("e-mail"),
            "name": self.env._("name"),
        }
        used = self._economic_find_created_employees(
            unlinked, remote_employees, linked_numbers, company, run
        )
        for remote in remote_employees:
            number = str(remote.get("employeeNumber") or "")
            if not number or number in linked_numbers:
                continue
            linked_numbers.add(number)
            keys = {
                "number": number,
                "email": normalized_text(remote.get("email")),
                "name": normalized_text(remote.get("name")),
            }
            match, reason = next(
                (
                    (candidates[kind][key], kind)
                    for kind, key in keys.items()
                    if key in candidates[kind] and candidates[kind][key] not in used
                ),
                (None, None),
            )
            if match:
                used |= match
                match._economic_set_synced(number, company)
                match._economic_log(
                    self.env._(
                        "Linked to e-conomic employee %(number)s (same %(reason)s).",
                        number=number,
                        reason=reasons[reason],
                    )
                )
                run._economic_count("linked")
            elif not remote.get("barred"):
                self._economic_import_employee(remote, number, company, run)
            else:
                continue
            cron._commit_progress()
        # New employees and edited ones; those refused before wait until Odoo would send
        # something else (an edit, a setting, a fixed release): not retried on every run.
        waiting = unlinked - used
        to_export = waiting.filtered("economic_need_sync")
        if company.economic_employee_group_id:
            to_export |= waiting.filtered(
                lambda employee: (
                    not employee.economic_need_sync
                    and employee.economic_state == "error"
                    and employee.economic_refused_digest
                    != document_digest(employee._economic_prepare_payload(company))
                )
            )
        if to_export:
            self._economic_export_employees(to_export, company, client, run)

    @api.model
    def _economic_find_created_employees(
        self, unlinked, remote_employees, linked_numbers, company, run
    ):
        """Link the employees whose create is in doubt to the one e-conomic stored.

        See the module's note on creates in doubt. Updates ``linked_numbers``.

        :return: the employees linked
        """
        found = unlinked.browse()
        for employee in unlinked.filtered("economic_create_sent"):
            sent = employee.economic_create_sent
            matches = [
                remote
                for remote in remote_employees
                if str(remote.get("employeeNumber") or "") not in linked_numbers
                and (
                    remote.get("employeeNumber") == sent["number"]
                    if sent.get("number")
                    else normalized_text(remote.get("name")) == normalized_text(sent.get("name"))
                    and normalized_text(remote.get("email")) == normalized_text(sent.get("email"))
                )
            ]
            if not matches:
                continue
            number = str(max(remote["employeeNumber"] for remote in matches))
            linked_numbers.add(number)
            employee._economic_set_synced(number, company)
            # Details changed in Odoo since are not copied: each side keeps its own.
            employee._economic_log(
                self.env._(
                    "Linked to e-conomic employee %(number)s, created by an earlier run whose "
                    "answer was lost.",
                    number=number,
                )
            )
            run._economic_count("linked")
            found |= employee
        if found:
            self.env["ir.cron"]._commit_progress()
        return found

    @api.model
    def _economic_import_employee(self, remote, number, company, run):
        Employee = self.env["hr.employee"].sudo()
        try:
            with self.env.cr.savepoint():
                employee = Employee.create(Employee._economic_prepare_vals(remote, company))
                employee._economic_set_synced(number, company)
        except (UserError, ValueError) as exc:
            self._economic_import_failed(
                run,
                company.partner_id,
                self.env._(
                    "e-conomic employee %(number)s could not be created in Odoo: %(error)s",
                    number=number,
                    error=str(exc),
                ),
            )
            return
        employee._economic_log(
            self.env._("Created from e-conomic employee %(number)s.", number=number)
        )
        run._economic_count("created")

    @api.model
    def _economic_export_employees(self, employees, company, client, run):
        """Create these (unlinked) employees in e-conomic, committing the keys first."""
        cron = self.env["ir.cron"]
        if not company.economic_employee_group_id:
            message = self.env._(
                "Choose the employee group in Settings > e-conomic: employees from Odoo are "
                "created in that group."
            )
            for employee in employees:
                run._economic_count("errors")
                run._economic_add_issue(employee, message)
            return
        employees = employees._economic_lock()
        employees._economic_ensure_idempotency_keys()
        cron._commit_progress()
        prepared = []
        for employee in employees:
            payload = employee._economic_prepare_payload(company)
            # Recorded (and committed) before the POST: a lost answer is looked up next run.
            prepared.append((employee, payload, employee._economic_mark_create_sent(payload)))
        # Each send below starts a new transaction with the row lock (a snapshot taken
        # earlier could fail on rows changed meanwhile).
        cron._commit_progress()
        in_flight = InFlight(client, company.economic_max_in_flight)
        position = 0
        while position < len(prepared):
            # Phase 1 (this thread): lock the next employees; their keys are committed.
            sends = prepared[position : position + in_flight.size]
            position += len(sends)
            locked = self._economic_lock_unchanged_batch(
                [(employee, write_date) for employee, _payload, write_date in sends]
            )
            calls = []
            for employee, payload, _write_date in sends:
                if employee.id not in locked:
                    continue  # another run sends it, or it changed: the next run sends it
                employee = employee.with_prefetch()  # alone: each commit empties the cache
                key = employee.economic_idempotency_key
                calls.append(
                    (
                        employee,
                        payload,
                        lambda payload=payload, key=key: client.create_employee(
                            payload, idempotency_key=key
                        ),
                    )
                )
            # Phase 2 (worker threads): the POSTs, all in flight at once; no ORM.
            outcomes = in_flight.send([call for _employee, _payload, call in calls])
            # Phase 3 (this thread): every outcome, committed together below.
            stopping = None
            for (employee, payload, _call), outcome in zip(calls, outcomes, strict=True):
                if isinstance(outcome.error, BATCH_STOPPING_ERRORS):
                    stopping = stopping or outcome.error  # this one stays pending
                elif isinstance(outcome.error, economic_errors.EconomicError):
                    employee._economic_set_error(outcome.error, run=run)
                    if employee.economic_state == "error":
                        employee._economic_write(
                            {"economic_refused_digest": document_digest(payload)}
                        )
                elif outcome.error is not None:
                    stopping = stopping or outcome.error  # raised once the others are stored
                else:
                    number = (outcome.result or {}).get("number") or employee.economic_number
                    employee._economic_set_synced(number, company)
                    employee._economic_write({"economic_refused_digest": False})
                    employee._economic_log(
                        self.env._("Created in e-conomic as employee %(number)s.", number=number)
                    )
                    run._economic_count("created")
            cron._commit_progress()
            if stopping is not None:
                raise stopping

    # === CUSTOMERS: MATCHING GATE === #

    @api.model
    def _economic_customer_matching_ready(self, company, client):
        """Whether customers may be created in ``company``'s agreement without duplicates.

        True once the matching proposal was confirmed, or when the agreement has no customer
        at all (then it is recorded as matched: everything is simply created). Costs one read
        (a page of one customer) until then.
        """
        if company.economic_customers_matched:
            return True
        if client.count_customers():
            return False
        self.env["economic.job.state"]._economic_set(company, job_state.CUSTOMERS_MATCHED)
        return True

    @api.model
    def _economic_matching_needed_text(self):
        return self.env._(
            "The e-conomic agreement already has customers: in Settings > e-conomic, click "
            '"Match existing customers" and confirm the proposal. Until then no customer is '
            "sent to e-conomic, so that none is created twice."
        )

    # === CUSTOMERS: E-CONOMIC -> ODOO === #

    @api.model
    def _economic_pull_customers(self, company, client, run):
        """Create or update Odoo customers changed in e-conomic since the last pull.

        Conflict rule: a customer changed in Odoo since its last sync (still pending) is not
        updated from e-conomic: Odoo wins, and the export that follows sends Odoo's version.
        Commits after each batch and moves the cursor ``economic_customers_pulled_at`` to the
        newest ``lastUpdated`` seen.
        """
        Partner = self.env["res.partner"].with_context(active_test=False)
        cursor = company.economic_customers_pulled_at
        newest = cursor
        cache = {}
        # gte: customers changed within the cursor's second are read again (a no-op).
        documents = client.list_customers(
            filter=economic_filters.gte("lastUpdated", cursor) if cursor else None
        )
        for start in range(0, len(documents), ECONOMIC_BATCH):
            chunk = documents[start : start + ECONOMIC_BATCH]
            by_number = {
                partner.economic_number: partner
                for partner in Partner._economic_search_linked(
                    company, [document["customerNumber"] for document in chunk]
                )
            }
            for document in chunk:
                number = str(document["customerNumber"])
                updated = parse_economic_datetime(document.get("lastUpdated"))
                newest = max(filter(None, (newest, updated)), default=None)
                partner = by_number.get(number)
                try:
                    with self.env.cr.savepoint():
                        self._economic_pull_customer(company, document, partner, run, cache)
                except (ValidationError, ValueError) as exc:
                    _logger.info("e-conomic customer %s not pulled: %s", number, exc)
                    self._economic_import_failed(
                        run,
                        partner or company.partner_id,
                        self.env._(
                            "e-conomic customer %(number)s could not be copied to Odoo: %(error)s",
                            number=number,
                            error=str(exc),
                        ),
                    )
            if newest != cursor:
                self.env["economic.job.state"]._economic_set(
                    company, job_state.CUSTOMERS_PULLED, at=newest
                )
            self.env["ir.cron"]._commit_progress()

    @api.model
    def _economic_pull_customer(self, company, document, partner, run, cache):
        Partner = self.env["res.partner"].with_context(**{SYNC_WRITING_KEY: True})
        number = document["customerNumber"]
        vals = Partner._economic_prepare_vals(document, company, cache=cache)
        if not partner:
            vals = {key: value for key, value in vals.items() if value}
            partner = Partner.create(dict(vals, is_company=True, economic_is_customer=True))
            partner._economic_set_synced(number, company)
            partner._economic_log(
                self.env._("Created from e-conomic customer %(number)s.", number=number)
            )
            run._economic_count("created")
            return
        if partner.economic_need_sync:
            # Changed on both sides since the last run: Odoo wins.
            run._economic_count("skipped")
            return
        changed = partner._economic_changed_values(vals)
        if not changed:
            return
        partner.with_context(**{SYNC_WRITING_KEY: True}).write(changed)
        partner._economic_set_synced(number, company)
        labels = partner.fields_get(list(changed), ["string"])
        partner._economic_log(
            self.env._(
                "Updated from e-conomic customer %(number)s: %(fields)s.",
                number=number,
                fields=", ".join(labels[name]["string"] for name in changed),
            )
        )
        run._economic_count("updated")

    # === CUSTOMERS: ODOO -> E-CONOMIC === #

    @api.model
    def _economic_export_customers(self, partners, company, client, run, progress=False):
        """Create or update ``partners`` as customers in ``company``'s agreement.

        Contact persons are replaced by their commercial partner; partners left out of
        e-conomic or linked to another company are ignored. Customers that are linked and
        unchanged cost nothing; customers in error are not retried until they are edited.

        Commits: yes. The idempotency keys of the customers to send are stored and committed
        before anything is sent; then every customer is sent while this transaction holds
        its row lock (customers another run is sending are left to it), and its outcome is
        committed after its call, through ``ir.cron._commit_progress`` (which also commits
        the caller's pending changes). Call it only from a cron or a cron-style loop whose
        previous work may be committed, never from a user request that could still roll back.

        :param partners: res.partner records (contacts count as their commercial partner)
        :param company: res.company whose agreement receives the customers
        :param client: its EconomicClient
        :param run: economic.run that counts the outcome and lists the failures
        :param progress: count each customer as processed work of the running cron (the
            master-data cron) and stop when the cron's time is up
        :return: the commercial partners that are linked and up to date in e-conomic
        :raise AuthenticationError: the tokens were refused; the customer being sent stays
            pending, nothing is marked synced that was not
        :raise RateLimitedError: the rate limit outlasted the client's retries; the customer
            being sent and the rest stay pending for the next run
        """
        cron = self.env["ir.cron"]
        partners = partners._economic_customer_targets(company)
        done = partners.filtered(
            lambda partner: (
                partner._economic_is_linked(company)
                and not partner.economic_need_sync
                and partner.economic_state == "synced"
            )
        )
        todo = (partners - done).filtered(
            lambda partner: (
                partner.economic_need_sync
                or (partner.economic_state != "error" and not partner._economic_is_linked(company))
            )
        )
        if not todo:
            return done
        if not self._economic_customer_matching_ready(company, client):
            message = self._economic_matching_needed_text()
            todo.filtered(lambda partner: partner.economic_error != message)._economic_write(
                {"economic_error": message}
            )
            cron._commit_progress()
            return done
        todo = todo._economic_lock()
        self._economic_find_created_customers(todo, company, client)
        todo._economic_ensure_idempotency_keys()
        # Keys are safe before the first call: after a crash, a restart sends the same keys.
        cron._commit_progress()
        remote_documents = self._economic_read_customers(
            client, [p.economic_number for p in todo if p._economic_is_linked(company)]
        )
        # The payloads of the whole batch at once (one read per field for the batch: each
        # commit below empties the cache).
        cache = {}
        prepared = []
        for partner in todo:
            linked = partner._economic_is_linked(company)
            remote = remote_documents.get(partner.economic_number) if linked else None
            payload = partner._economic_prepare_payload(company, remote, cache)
            prepared.append(
                {
                    "partner": partner,
                    "linked": linked,
                    "number": partner.economic_number,
                    "key": partner.economic_idempotency_key,
                    "payload": payload,
                    "remote": remote,
                    "write_date": partner.write_date,
                }
            )
        self._economic_mark_customer_creates_sent(prepared)
        # Each send below starts a new transaction with the row lock (a snapshot taken
        # earlier could fail on rows changed meanwhile).
        cron._commit_progress()
        counts = Counter()
        notes = {}
        in_flight = InFlight(client, company.economic_max_in_flight)
        try:
            position = 0
            while position < len(prepared):
                # Phase 1 (this thread): lock the next customers, decide each request.
                sends = prepared[position : position + in_flight.size]
                position += len(sends)
                locked = self._economic_lock_unchanged_batch(
                    [(send["partner"], send["write_date"]) for send in sends]
                )
                calls = []
                for send in sends:
                    # Alone: each commit empties the cache, and prefetching the whole batch
                    # again for every customer would cost more than it saves.
                    partner = send["partner"] = send["partner"].with_prefetch()
                    if partner.id not in locked:
                        continue  # another run sends it, or it changed: the next batch sends it
                    call = self._economic_customer_call(send, client)
                    if call is None:
                        partner._economic_set_synced(send["number"], company)  # already there
                        done |= partner
                        continue
                    calls.append((send, call))
                # Phase 2 (worker threads): the requests, all in flight at once; no ORM.
                outcomes = in_flight.send([call for _send, call in calls])
                # Phase 3 (this thread): every outcome, committed together below.
                sent, stopping = self._economic_customer_outcomes(calls, outcomes, company, run)
                for send, kind, note in self._economic_record_customers_sent(sent, run):
                    done |= send["partner"]
                    counts[kind] += 1
                    notes[send["partner"].id] = note
                remaining = cron._commit_progress(len(sends) if progress else 0)
                if stopping is not None:
                    raise stopping
                if progress and not remaining:
                    break
        finally:
            # The counts and chatter notes of the batch in one go (informational: written
            # after the outcomes they describe were committed).
            for kind, count in counts.items():
                if kind:
                    run._economic_count(kind, count)
            self.env["res.partner"]._economic_log_batch(notes)
            cron._commit_progress()
        return done

    @api.model
    def _economic_find_created_customers(self, partners, company, client):
        """Link the partners whose create is in doubt to the customer e-conomic stored.

        See the module's note on creates in doubt. One read per partner in doubt (rare: a
        lost answer). A partner found is linked and then goes the way of any linked customer
        (a PUT only when Odoo's values differ, e.g. edited since).
        """
        Partner = self.env["res.partner"]
        for partner in partners.filtered(
            lambda partner: (
                partner.economic_create_sent and not partner._economic_is_linked(company)
            )
        ):
            sent = partner.economic_create_sent
            if sent.get("customerNumber"):
                term = economic_filters.eq("customerNumber", sent["customerNumber"])
            elif sent.get("name"):
                term = economic_filters.eq("name", sent["name"])
            else:
                continue
            candidates = client.list_customers(filter=term)
            taken = set(
                Partner._economic_search_linked(
                    company, [document["customerNumber"] for document in candidates]
                ).mapped("economic_number")
            )
            matches = [
                document
                for document in candidates
                if str(document["customerNumber"]) not in taken
                and customer_document_holds(document, sent, CUSTOMER_MAPPED_KEYS)
            ]
            if not matches:
                continue
            number = str(max(document["customerNumber"] for document in matches))
            partner._economic_write(
                {
                    "economic_number": number,
                    "economic_company_id": company.id,
                    "economic_create_sent": False,
                    "economic_state": "pending",
                    "economic_need_sync": True,
                }
            )
            partner._economic_log(
                self.env._(
                    "Linked to e-conomic customer %(number)s, created by an earlier run whose "
                    "answer was lost.",
                    number=number,
                )
            )

    @api.model
    def _economic_read_customers(self, client, numbers):
        """Current documents of linked customers: one read per 200 numbers."""
        documents = {}
        numbers = sorted({int(number) for number in numbers if number})
        for chunk_filter in economic_filters.in_chunks("customerNumber", numbers):
            for document in client.list_customers(filter=chunk_filter):
                documents[str(document["customerNumber"])] = document
        return documents

    @api.model
    def _economic_lock_unchanged_batch(self, records_and_dates):
        """Lock these records for their sends, as ``_economic_lock_unchanged`` does for one,
        in one statement (the first of the transaction: its snapshot is taken then).

        :param records_and_dates: ``[(record, write_date when its payload was prepared)]``
            of one model
        :return: the ids locked and unchanged
        """
        if not records_and_dates:
            return set()
        model = records_and_dates[0][0]
        self.env.cr.execute(
            SQL(
                "SELECT id, write_date FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                SQL.identifier(model._table),
                tuple(record.id for record, _date in records_and_dates),
            )
        )
        current = dict(self.env.cr.fetchall())
        return {
            record.id
            for record, write_date in records_and_dates
            if record.id in current and current[record.id] == write_date
        }

    @api.model
    def _economic_customer_call(self, send, client):
        """The request of one prepared customer, as a callable for a worker thread (no ORM):
        a POST when not linked yet, else a PUT of the merged document; None when e-conomic
        already holds it.

        :param send: the prepared values (partner, linked, number, key, payload, remote)
        """
        payload, remote = send["payload"], send["remote"]
        if not send["linked"]:
            # Through request() rather than create_customer(): the replay flag of the answer
            # (X-ResultFromCache) decides whether the customer is still pending.
            key = send["key"]
            return lambda: client.request("POST", "/customers", json=payload, idempotency_key=key)
        if remote is not None and customer_document_holds(remote, payload):
            return None
        number = send["number"]
        # The stored key plus the document: a retry of this very write is recognised, a later
        # different write is not answered from e-conomic's cache.
        key = f"{send['key']}-{document_digest(payload)}"
        return lambda: client.update_customer(number, payload, idempotency_key=key)

    @api.model
    def _economic_mark_customer_creates_sent(self, prepared):
        """Record each create before its POST (the caller commits): a lost answer is looked
        up next run. One statement for the batch; the send's row lock compares the new
        ``write_date`` stored in each prepared send."""
        creates_sent = self.env["res.partner"]._economic_mark_creates_sent(
            {send["partner"].id: send["payload"] for send in prepared if not send["linked"]}
        )
        for send in prepared:
            if not send["linked"]:
                send["write_date"] = creates_sent[send["partner"].id]

    @api.model
    def _economic_customer_outcomes(self, calls, outcomes, company, run):
        """Sort the outcomes of a batch: the refused ones are put in error at once, the
        others returned to be recorded together (``_economic_record_customers_sent``).

        :return: ``([(send, counter, note, vals)], the first error that stops the run or
            None)``; a customer met by such an error stays pending
        """
        sent, stopping = [], None
        for (send, _call), outcome in zip(calls, outcomes, strict=True):
            try:
                if not outcome.ok:
                    raise outcome.error
                sent.append((send, *self._economic_customer_sent(send, company, outcome.result)))
            except BATCH_STOPPING_ERRORS as exc:
                stopping = stopping or exc
            except (economic_errors.EconomicError, UserError) as exc:
                send["partner"]._economic_set_error(exc, run=run)  # e-conomic refused it
        return sent, stopping

    @api.model
    def _economic_customer_sent(self, send, company, result):
        """The outcome of one customer's request (``_economic_customer_call``), to record
        (``_economic_record_customers_sent``).

        :return: ``(counter, chatter note, bookkeeping values of the partner)``
        :raise EconomicError: the answer cannot be recorded (no customer number)
        """
        partner, payload = send["partner"], send["payload"]
        if not send["linked"]:
            response = result
            number = (response.data or {}).get("customerNumber")
            if not number:
                raise economic_errors.EconomicError(
                    self.env._("e-conomic did not return a customer number.")
                )
            vals = partner._economic_synced_rows(number, company)[partner.id]
            # A replayed answer (same key after a lost response) may predate an edit: keep the
            # customer pending when e-conomic does not hold what Odoo has now.
            if response.from_cache and not customer_document_holds(
                response.data, payload, CUSTOMER_MAPPED_KEYS
            ):
                vals.update(economic_need_sync=True, economic_state="pending")
            return (
                "created",
                self.env._("Created in e-conomic as customer %(number)s.", number=number),
                vals,
            )
        number = send["number"]
        vals = partner._economic_synced_rows(number, company)[partner.id]
        if send["remote"] is None:
            return (
                "created",
                self.env._(
                    "Customer %(number)s was missing in e-conomic and has been created again.",
                    number=number,
                ),
                vals,
            )
        return (
            "updated",
            self.env._("Updated customer %(number)s in e-conomic.", number=number),
            vals,
        )

    @api.model
    def _economic_record_customers_sent(self, sent, run):
        """Record the outcomes of a batch of customers sent: one write for the batch.

        When Odoo cannot store one of them (e.g. the number e-conomic gave is linked to
        another partner), the batch's write is undone and each is written alone: that one
        is in error, the others recorded.

        :param sent: ``[(send, counter, note, vals)]`` from ``_economic_customer_sent``
        :return: ``[(send, counter, note)]`` of the outcomes recorded
        """
        if not sent:
            return []
        Partner = self.env["res.partner"]
        try:
            with self.env.cr.savepoint():
                Partner._economic_write_rows(
                    {send["partner"].id: vals for send, _kind, _note, vals in sent}
                )
            return [(send, kind, note) for send, kind, note, _vals in sent]
        except (UserError, psycopg2.IntegrityError):
            pass  # which one: each alone below
        recorded = []
        for send, kind, note, vals in sent:
            try:
                with self.env.cr.savepoint():
                    Partner._economic_write_rows({send["partner"].id: vals})
            except (UserError, psycopg2.IntegrityError) as exc:
                send["partner"]._economic_set_error(exc, run=run)
            else:
                recorded.append((send, kind, note))
        return recorded

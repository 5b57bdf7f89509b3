# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Helpers for tests: arrange e-conomic's state directly, as if a user worked in e-conomic.

They take e-conomic field names (`name=`, `vatZone={"vatZoneNumber": 2}`...), apply the same
rules as the API and raise `FakeSetupError` when the arranged data would be rejected.
"""

import copy

from .resources import HttpError, lowest_free_number


class FakeSetupError(ValueError):
    """A helper was given data that e-conomic would reject; `.body` holds the API answer."""

    def __init__(self, body):
        super().__init__(body.get("message") if isinstance(body, dict) else str(body))
        self.body = body


def _apply_changes(document, changes):
    """Set each changed field on `document` (a copy of the value); None removes the field."""
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = copy.deepcopy(value)


class HelpersMixin:
    """Mixed into FakeEconomic."""

    def _arrange(self, function, *args, **kwargs):
        with self.lock:
            try:
                return function(*args, **kwargs)
            except HttpError as exc:
                raise FakeSetupError(exc.body) from exc

    # ----------------------------------------------------------------- agreement
    def set_project_module(self, enabled):
        """Give or take the Project module (projectsapi answers 403 without it)."""
        with self.lock:
            self.project_module = bool(enabled)

    def clear_idempotency_cache(self):
        with self.lock:
            self._idempotency.clear()

    # ----------------------------------------------------------------- customers
    def add_customer(self, **fields):
        """Create a customer (defaults: DKK, group 1, terms 1, zone 1); returns its number."""
        payload = {
            "name": "Kunde",
            "currency": "DKK",
            "customerGroup": {"customerGroupNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1},
            "vatZone": {"vatZoneNumber": 1},
        }
        payload.update(copy.deepcopy(fields))

        def create():
            customer = self.customer_from_payload(payload)
            number = customer.get("customerNumber") or lowest_free_number(self.customers)
            if number in self.customers:
                raise FakeSetupError({"message": f"Customer {number} exists."})
            customer["customerNumber"] = number
            customer["lastUpdated"] = self._timestamp()
            self.customers[number] = customer
            return number

        return self._arrange(create)

    def edit_customer(self, number, **changes):
        """Change fields of a customer as a user would in e-conomic (bumps lastUpdated).

        A value of None removes the field.
        """

        def edit():
            payload = copy.deepcopy(self.customers[number])
            payload.pop("lastUpdated", None)
            _apply_changes(payload, changes)
            customer = self.customer_from_payload(payload, number)
            customer["lastUpdated"] = self._timestamp()
            self.customers[number] = customer
            return customer

        return self._arrange(edit)

    def remove_customer(self, number):
        with self.lock:
            del self.customers[number]

    # ----------------------------------------------------------------- products
    def add_product(self, product_number, **fields):
        """Create a product (default group 1 = with VAT, unit 1); returns its number."""
        payload = {
            "productNumber": str(product_number),
            "name": f"Vare {product_number}",
            "productGroup": {"productGroupNumber": 1},
            "unit": {"unitNumber": 1},
            "salesPrice": 0.0,
        }
        payload.update(copy.deepcopy(fields))

        def create():
            product = self.product_from_payload(payload)
            if product["productNumber"] in self.products:
                raise FakeSetupError({"message": "Product exists."})
            product["lastUpdated"] = self._timestamp()
            self.products[product["productNumber"]] = product
            return product["productNumber"]

        return self._arrange(create)

    def edit_product(self, product_number, **changes):
        def edit():
            payload = copy.deepcopy(self.products[product_number])
            payload.pop("lastUpdated", None)
            _apply_changes(payload, changes)
            product = self.product_from_payload(payload)
            product["lastUpdated"] = self._timestamp()
            self.products[product_number] = product
            return product

        return self._arrange(edit)

    # ----------------------------------------------------------------- employees
    def add_employee(self, number=None, name="Medarbejder", group=1, **fields):
        """Create an employee (as projectsapi would); returns its number."""
        with self.lock:
            if number is None:
                number = lowest_free_number(self.employees)
            if group not in self.employee_groups:
                raise FakeSetupError({"message": f"Employee group {group} not found."})
            employee = {
                "employeeNumber": number,
                "name": name,
                "employeeGroup": {"employeeGroupNumber": group},
                "objectVersion": "1",
            }
            employee.update(copy.deepcopy(fields))
            self.employees[number] = employee
            return number

    # ----------------------------------------------------------------- invoices
    def add_draft(self, customer_number=1, lines=None, **fields):
        """Create a draft from the customer's template plus `fields`; returns its number.

        `lines` items may omit lineNumber/sortKey (numbered 1..n) and description (the
        product name). Raises FakeSetupError when e-conomic would reject the draft.
        """

        def create():
            customer = self.customers[customer_number]
            payload = self._template_payload(customer)
            payload.update(copy.deepcopy(fields))
            payload["lines"] = self._complete_lines(lines or [])
            draft = self.draft_from_payload(payload)
            return self.store_draft(draft)

        return self._arrange(create)

    def _template_payload(self, customer):
        terms = customer["paymentTerms"]["paymentTermsNumber"]
        payload = {
            "date": self._today().isoformat(),
            "currency": customer["currency"],
            "paymentTerms": {"paymentTermsNumber": terms},
            "customer": {"customerNumber": customer["customerNumber"]},
            "recipient": {
                "name": customer["name"],
                "vatZone": {"vatZoneNumber": customer["vatZone"]["vatZoneNumber"]},
            },
            "layout": dict(customer.get("layout") or {"layoutNumber": 19}),
        }
        if self.payment_terms[terms]["paymentTermsType"] == "dueDate":
            payload["dueDate"] = payload["date"]
        return payload

    def _complete_lines(self, lines, start=1):
        completed = []
        for offset, line in enumerate(lines):
            line = copy.deepcopy(line)
            line.setdefault("lineNumber", start + offset)
            line.setdefault("sortKey", start + offset)
            product = (line.get("product") or {}).get("productNumber")
            if product in self.products:
                line.setdefault("description", self.products[product]["name"])
                line.setdefault("quantity", 1.0)
            completed.append(line)
        return completed

    def edit_draft(self, draft_number, **changes):
        """Replace header fields of a draft as a bookkeeper would (None removes a field)."""

        def edit():
            payload = copy.deepcopy(self.drafts[draft_number])
            _apply_changes(payload, changes)
            draft = self.draft_from_payload(payload)
            return self.store_draft(draft, draft_number)

        return self._arrange(edit)

    def edit_draft_line(self, draft_number, line_number, **changes):
        """Change one line of a draft (matched by lineNumber); totals are recomputed.

        A value of None removes the field; `delete=True` removes the whole line.
        """

        def edit():
            draft = copy.deepcopy(self.drafts[draft_number])
            lines = draft.get("lines", [])
            index = next(i for i, line in enumerate(lines) if line["lineNumber"] == line_number)
            if changes.get("delete"):
                lines.pop(index)
            else:
                _apply_changes(lines[index], changes)
            draft = self.draft_from_payload(draft)
            return self.store_draft(draft, draft_number)

        return self._arrange(edit)

    def add_draft_line(self, draft_number, **line):
        """Append a line to a draft (numbered after the last one)."""

        def add():
            draft = copy.deepcopy(self.drafts[draft_number])
            start = max((item["lineNumber"] for item in draft.get("lines", [])), default=0) + 1
            draft.setdefault("lines", []).extend(self._complete_lines([line], start))
            draft = self.draft_from_payload(draft)
            return self.store_draft(draft, draft_number)

        return self._arrange(add)

    def remove_draft(self, draft_number):
        """Delete a draft as a user would in e-conomic."""
        with self.lock:
            del self.drafts[draft_number]

    def book(self, draft_number, book_with_number=None):
        """Book a draft as the bookkeeper would in e-conomic; returns the invoice number."""
        with self.lock:
            if book_with_number is not None and book_with_number in self.booked:
                raise FakeSetupError({"message": "Invoice number in use."})
            return self.book_draft(draft_number, book_with_number)

    def pay(self, booked_number, amount=None):
        """Register a payment: lowers the booked invoice's remainder (full by default)."""
        with self.lock:
            invoice = self.booked[booked_number]
            paid = invoice["remainder"] if amount is None else amount
            invoice["remainder"] = round(invoice["remainder"] - paid, 2)
            invoice["remainderInBaseCurrency"] = invoice["remainder"]

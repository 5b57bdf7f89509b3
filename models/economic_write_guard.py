# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The connector's own bookkeeping fields are written by the connector only.

The ``economic_*`` fields of timesheet lines and projects (invoice status, draft numbers,
idempotency keys, the lease, the booking request, ...) decide what is billed. ``readonly`` in a
view protects nothing against an RPC caller, so ``create()`` and ``write()`` refuse them unless
the environment is in superuser mode: the connector's code paths check the user's right
explicitly (approver, bookkeeper, ...) and then write through ``sudo()``; the crons run as
superuser.
"""

from odoo.exceptions import AccessError


def economic_protected_names(record, vals, user_fields, initial=None):
    """The protected ``economic_*`` field names that ``vals`` sets on ``record``'s model.

    :param record: a recordset of the model (for its fields)
    :param vals: the values to create or write
    :param user_fields: ``economic_*`` fields users may set (their own choices, e.g. a product)
    :param initial: on create, ``{field: value}`` of harmless values besides empty ones (the
        state a new record starts in); None on write, where every value counts
    """
    names = []
    for name, value in vals.items():
        if not name.startswith("economic_") or name in user_fields:
            continue
        field = record._fields.get(name)
        if field is None or (field.compute and not field.inverse and not field.store):
            continue
        if initial is not None and (not value or initial.get(name) == value):
            continue
        names.append(name)
    return sorted(names)


def economic_check_bookkeeping_vals(records, vals, user_fields, initial=None):
    """Refuse a user's ``vals`` that touch the connector's bookkeeping (see module docstring).

    :raise AccessError: outside superuser mode, when ``vals`` sets a protected field
    """
    if records.env.su:
        return
    names = economic_protected_names(records, vals, user_fields, initial)
    if names:
        labels = records.fields_get(names, ["string"])
        raise AccessError(
            records.env._(
                "Only the e-conomic connector changes these fields of %(model)s: %(fields)s. "
                "Use the buttons (Approve, Reset to approve, Book invoice) instead.",
                model=records._description,
                fields=", ".join(labels[name]["string"] or name for name in names),
            )
        )


def economic_check_bookkeeping_create(model, vals_list, user_fields, initial):
    """``economic_check_bookkeeping_vals`` for a create, context defaults included."""
    if model.env.su:
        return
    defaults = {
        key.removeprefix("default_"): value
        for key, value in model.env.context.items()
        if key.startswith("default_economic_")
    }
    for vals in vals_list:
        economic_check_bookkeeping_vals(model, {**defaults, **vals}, user_fields, initial)

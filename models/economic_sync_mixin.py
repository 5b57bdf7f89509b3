# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The link between an Odoo record and its e-conomic counterpart, and its sync state.

A model syncs with e-conomic by inheriting ``economic.sync.mixin`` and returning the names of
the fields that e-conomic cares about from ``_economic_synced_fields()``. Writing one of them
marks the record for the next run; the sync code reports the outcome with
``_economic_set_synced()`` or ``_economic_set_error()``.
"""

import uuid
from datetime import datetime

from odoo import api, fields, models
from odoo.tools import SQL, float_compare
from odoo.tools.translate import LazyTranslate

from ..economic import exceptions as economic_exceptions

_lt = LazyTranslate(__name__)

# e-conomic's names of the fields its errors name, as a user knows them ("By (city)" in
# Danish); the e-conomic name stays beside the label for support. Others are shown as they are.
ECONOMIC_FIELD_LABELS = {
    "name": _lt("Name"),
    "address": _lt("Address"),
    "zip": _lt("ZIP"),
    "city": _lt("City"),
    "country": _lt("Country"),
    "email": _lt("E-mail"),
    "telephoneAndFaxNumber": _lt("Phone"),
    "mobilePhone": _lt("Mobile"),
    "website": _lt("Website"),
    "corporateIdentificationNumber": _lt("CVR"),
    "ean": _lt("EAN"),
    "description": _lt("Description"),
}

# Context key set by the sync code while it writes what e-conomic sent or assigned, so that
# those writes do not mark the record as changed in Odoo again.
SYNC_WRITING_KEY = "economic_sync_writing"


def parse_economic_datetime(value):
    """``2024-10-17T14:09:30Z`` (e-conomic's lastUpdated) -> naive UTC datetime, or None."""
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def normalized_text(text):
    """``text`` for matching: whitespace collapsed, case folded."""
    return " ".join((text or "").split()).casefold()


def valid_economic_number(text, maximum):
    """Whether ``text`` is a number e-conomic accepts: digits only, from 1 to ``maximum``."""
    return bool(text) and text.isascii() and text.isdigit() and 1 <= int(text) <= maximum


def _with_log_id(env, text, log_id):
    if not log_id:
        return text
    return env._("%(text)s (e-conomic log id: %(log_id)s)", text=text, log_id=log_id)


def _field_text(env, field):
    label = ECONOMIC_FIELD_LABELS.get(field)
    if not label:
        return field
    return env._("%(label)s (%(field)s)", label=env._(label), field=field)


def _validation_text(env, exc):
    errors = [error for error in exc.errors if error.get("message")]
    if not errors:
        if exc.field:
            return env._(
                "e-conomic refused the value of %(field)s: %(message)s",
                field=_field_text(env, exc.field),
                message=exc.message,
            )
        return env._("e-conomic refused the data: %(message)s", message=exc.message)
    details = "; ".join(
        f"{error['field']}: {error['message']}" if error.get("field") else error["message"]
        for error in errors
    )
    if len(errors) == 1 and errors[0].get("field"):
        return env._(
            "e-conomic refused the value of %(field)s: %(message)s",
            field=_field_text(env, errors[0]["field"]),
            message=errors[0]["message"],
        )
    return env._("e-conomic refused the data: %(message)s", message=details)


def economic_error_text(env, exc):
    """Return a translated, plain sentence that tells a user what went wrong.

    :param env: the environment whose language is used
    :param exc: an ``EconomicError`` (any subclass) or any other exception
    :return: the sentence, ending with e-conomic's log id when e-conomic gave one
    :rtype: str
    """
    errors = economic_exceptions
    if not isinstance(exc, errors.EconomicError):
        return str(exc) or exc.__class__.__name__
    if isinstance(exc, errors.AuthenticationError):
        text = env._(
            "e-conomic refused the tokens: the agreement grant token is wrong or the grant has "
            "been revoked. Connect the agreement again in Settings > e-conomic."
        )
    elif isinstance(exc, errors.TransportError):
        text = env._(
            "e-conomic could not be reached (no answer in time or the connection was lost). "
            "Check the network and the e-conomic URLs; the sync tries again later."
        )
    elif isinstance(exc, errors.MissingModuleError):
        text = env._(
            "The e-conomic agreement lacks a module this needs (usually the Project module): "
            "%(message)s. Add the module to the agreement in e-conomic.",
            message=exc.summary or exc.message,
        )
    elif isinstance(exc, errors.ForbiddenError):
        text = env._(
            "The role of the e-conomic app does not allow this request: %(message)s",
            message=exc.message,
        )
    elif isinstance(exc, errors.NotFoundError):
        text = env._(
            "e-conomic does not know this record (it may have been deleted there): %(message)s",
            message=exc.message,
        )
    elif isinstance(exc, errors.ValidationError):
        text = _validation_text(env, exc)
    elif isinstance(exc, errors.ConflictError):
        text = env._(
            "The record was changed in e-conomic at the same time: %(message)s",
            message=exc.message,
        )
    elif isinstance(exc, errors.RateLimitedError):
        text = env._("e-conomic's rate limit is reached for now; the sync tries again later.")
    elif isinstance(exc, errors.ServerError):
        text = env._(
            "e-conomic had an internal error (HTTP %(status)s); the sync tries again later.",
            status=exc.status or "?",
        )
    else:
        text = env._("The e-conomic request failed: %(message)s", message=exc.message)
    return _with_log_id(env, text, exc.log_id)


class EconomicSyncMixin(models.AbstractModel):
    _name = "economic.sync.mixin"
    _description = "e-conomic Sync Mixin"

    economic_number = fields.Char(
        string="e-conomic Number",
        copy=False,
        index="btree_not_null",
        help="Number of the linked record in e-conomic. Once set, the link is kept.",
    )
    economic_company_id = fields.Many2one(
        "res.company",
        string="e-conomic Company",
        copy=False,
        index="btree_not_null",
        help="Company whose e-conomic agreement holds the linked record.",
    )
    economic_state = fields.Selection(
        [
            ("not_synced", "Not synced"),
            ("pending", "Pending"),
            ("synced", "Synced"),
            ("error", "Error"),
        ],
        string="e-conomic Sync State",
        default="not_synced",
        required=True,
        copy=False,
    )
    economic_need_sync = fields.Boolean(
        string="Needs e-conomic Sync",
        default=True,
        copy=False,
        help="Changed in Odoo since the last successful sync with e-conomic.",
    )
    economic_sync_date = fields.Datetime(string="Last e-conomic Sync", copy=False)
    economic_error = fields.Text(string="e-conomic Error", copy=False)
    economic_log_id = fields.Char(
        string="e-conomic Log Id",
        copy=False,
        help="Reference of the last error in e-conomic's logs, for their support.",
    )
    economic_idempotency_key = fields.Char(
        string="e-conomic Idempotency Key",
        copy=False,
        help="Key of the write being sent to e-conomic, kept until it succeeds so that a "
        "retry after a crash is not applied twice.",
    )
    economic_create_sent = fields.Json(
        string="e-conomic Create In Doubt",
        copy=False,
        help="The document of a create sent to e-conomic whose answer has not been received "
        "yet. Until the outcome is known, the next run looks the record up in e-conomic by "
        "these values before it sends anything: e-conomic remembers an idempotency key for "
        "one hour only.",
    )

    # The link is an identity: one Odoo record per e-conomic number and company.
    _economic_number_company_unique = models.UniqueIndex(
        "(economic_company_id, economic_number) WHERE economic_number IS NOT NULL",
        "This e-conomic number is already linked to another record of this company.",
    )

    # === HOOKS === #

    def _economic_synced_fields(self):
        """Names of the fields whose change must be sent to e-conomic.

        :return: field names; writing any of them sets ``economic_need_sync``
        :rtype: list[str]
        """
        return []

    def _economic_prepare_payload(self, company, **kwargs):
        """The e-conomic document of this record (Odoo -> e-conomic).

        :param company: the company whose agreement receives it
        :return: a dict ready to send
        """
        raise NotImplementedError

    @api.model
    def _economic_prepare_vals(self, payload, company, **kwargs):
        """Odoo values for an e-conomic document (e-conomic -> Odoo).

        :param payload: the document as e-conomic serves it
        :param company: the company whose agreement holds it
        :return: a dict for ``create``/``write``
        """
        raise NotImplementedError

    # === CRUD === #

    def write(self, vals):
        if self.env.context.get(SYNC_WRITING_KEY) or not self:
            return super().write(vals)
        synced_fields = set(self._economic_synced_fields())
        if not synced_fields.intersection(vals):
            return super().write(vals)
        vals = dict(vals, economic_need_sync=True)
        # Records never sent stay "not synced"; linked or failed ones wait for the next run.
        started = self.filtered(
            lambda record: record.economic_number or record.economic_state in ("synced", "error")
        )
        result = super().write(vals)
        if started:
            started.with_context(**{SYNC_WRITING_KEY: True}).write({"economic_state": "pending"})
        return result

    # === SENDING: KEYS AND LOCKS === #

    def _economic_lock(self):
        """These records minus those another transaction holds (another run is sending
        them): ``FOR NO KEY UPDATE SKIP LOCKED``, released at the next commit."""
        return self.try_lock_for_update(allow_referencing=True)

    def _economic_lock_unchanged(self, write_date):
        """Lock this record for its send, if nobody else holds it and it is unchanged.

        Call it first thing after a commit, right before the send: the lock is held until
        the outcome is committed, so two runs never send the same record at once, and a
        record edited since its payload was prepared (``write_date`` differs) waits for the
        next run instead of being marked synced with stale values.

        :param write_date: the record's ``write_date`` when its payload was prepared
        :return: True when locked and unchanged
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT write_date FROM %s WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        return bool(row) and row[0] == write_date

    def _economic_ensure_idempotency_keys(self):
        """Give a new idempotency key to the records that have none; the caller commits
        them before sending."""
        self._economic_write_rows(
            {
                record.id: {"economic_idempotency_key": uuid.uuid4().hex}
                for record in self
                if not record.economic_idempotency_key
            }
        )

    # === SYNC OUTCOME HELPERS === #

    def _economic_write(self, vals):
        """Write sync bookkeeping without marking the record as changed in Odoo."""
        return self.with_context(**{SYNC_WRITING_KEY: True}).write(vals)

    def _economic_write_rows(self, rows):
        """Write sync bookkeeping with values per record, as ``_economic_write`` does.

        Models may write a whole batch in one statement (see res.partner).

        :param rows: ``{record id: vals}``
        :return: ``{record id: write_date}`` after the write, flushed to the database
        """
        for record_id, vals in rows.items():
            self.browse(record_id)._economic_write(vals)
        records = self.browse(list(rows))
        records.flush_recordset()
        return {record.id: record.write_date for record in records}

    def _economic_set_synced(self, number=None, company=None):
        """Record a successful sync.

        :param number: the e-conomic number (stored as text); None keeps the current one
        :param company: the company whose agreement holds the record; default the record's
            current ``economic_company_id``, else the environment's company
        """
        self._economic_write_rows(self._economic_synced_rows(number, company))
        return True

    def _economic_synced_rows(self, number=None, company=None):
        """The values ``_economic_set_synced`` writes, per record: ``{record id: vals}``."""
        vals = {
            "economic_state": "synced",
            "economic_need_sync": False,
            "economic_sync_date": fields.Datetime.now(),
            "economic_error": False,
            "economic_log_id": False,
            # The write succeeded: the next change is a new write with a new key.
            "economic_idempotency_key": False,
            "economic_create_sent": False,
        }
        if number is not None and number is not False:
            vals["economic_number"] = str(number)
        rows = {}
        for record in self:
            record_vals = rows[record.id] = dict(vals)
            if company or not record.economic_company_id:
                record_vals["economic_company_id"] = (company or record.env.company).id
        return rows

    def _economic_set_error(self, exc, run=None):
        """Record a failed sync of these records.

        Retryable failures (e-conomic unreachable, rate limited, server error) keep the record
        pending with its idempotency key, so the next run sends the same write again.
        Permanent failures put the record in error and clear ``economic_need_sync`` until the
        record is edited again, so a broken record does not fail on every run.

        :param exc: the exception (an ``EconomicError`` or any other one, e.g. a mapping error)
        :param run: the ``economic.run`` to report the issue on (optional)
        :return: the user-facing message
        :rtype: str
        """
        message = economic_error_text(self.env, exc)
        log_id = getattr(exc, "log_id", None) or False
        retryable = bool(getattr(exc, "retryable", False))
        if retryable:
            vals = {
                "economic_state": "pending",
                "economic_need_sync": True,
                "economic_error": message,
                "economic_log_id": log_id,
            }
        else:
            vals = {
                "economic_state": "error",
                "economic_need_sync": False,
                "economic_error": message,
                "economic_log_id": log_id,
                # e-conomic replays a cached answer for a known key: a fixed record needs a
                # new one.
                "economic_idempotency_key": False,
                # Refused: this create was not stored (a lost earlier one is looked up before).
                "economic_create_sent": False,
            }
        self._economic_write(vals)
        if not retryable:
            for record in self:
                record._economic_log(
                    self.env._("e-conomic sync failed: %(message)s", message=message)
                )
        if run:
            for record in self:
                run._economic_count("errors")
                run._economic_add_issue(record, message, log_id=log_id)
        return message

    def _economic_mark_create_sent(self, payload):
        """Remember ``payload`` as a create that may reach e-conomic, before sending it.

        Call it before the commit that precedes the POST; returns the new ``write_date`` (the
        send's row lock compares it).
        """
        self.ensure_one()
        return self._economic_mark_creates_sent({self.id: payload})[self.id]

    def _economic_mark_creates_sent(self, payloads):
        """``_economic_mark_create_sent`` for many records at once.

        :param payloads: ``{record id: payload}``
        :return: ``{record id: write_date}``
        """
        self.env.flush_all()
        return self._economic_write_rows(
            {
                record_id: {"economic_create_sent": payload}
                for record_id, payload in payloads.items()
            }
        )

    def _economic_changed_values(self, vals):
        """The subset of ``vals`` that differs from this record (floats at their digits)."""
        self.ensure_one()
        changed = {}
        for name, value in vals.items():
            field = self._fields[name]
            current = self[name]
            if field.type == "many2one":
                current = current.id
            if field.type == "float":
                digits = field.get_digits(self.env)
                if not float_compare(
                    current or 0.0, value or 0.0, precision_digits=digits[1] if digits else 2
                ):
                    continue
            elif (current or False) == (value or False):
                continue
            changed[name] = value
        return changed

    def _economic_log(self, body):
        """Post ``body`` as an internal note in the chatter of mail.thread records.

        Models without a chatter (e.g. timesheet lines) are skipped: their outcome is
        reported on their project or run.
        """
        if not self or not hasattr(self, "_message_log"):
            return False
        for record in self:
            # sudo: crons and approvers without write access still leave a trace.
            record.sudo()._message_log(body=body)
        return True

    def _economic_log_batch(self, bodies):
        """Post one note per record in one go: ``bodies`` maps record ids to texts."""
        bodies = {record_id: body for record_id, body in bodies.items() if body}
        if not bodies or not hasattr(self, "_message_log_batch"):
            return False
        self.browse(list(bodies)).sudo()._message_log_batch(bodies=bodies)
        return True

    @api.model
    def _economic_search_linked(self, company, numbers):
        """Records of ``company`` linked to the given e-conomic numbers.

        :param company: res.company
        :param numbers: iterable of numbers (int or str)
        :return: records, in no particular order
        """
        return self.with_context(active_test=False).search(
            [
                ("economic_company_id", "=", company.id),
                ("economic_number", "in", [str(number) for number in numbers]),
            ]
        )

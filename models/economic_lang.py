# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The language of texts the jobs write: the company's, whoever runs the job.

Crons run as a user whose language is usually English; what they write (chatter notes,
errors on records, run messages, attachment names) is read later by the office, so it is
written in the language of the company's partner. A text caused by a user's click (an
error raised, a notification) stays in that user's language: only job entry points switch.
"""

from odoo.tools import format_amount, formatLang


def company_lang(company):
    """The language the jobs of ``company`` write in: its partner's, when installed.

    :param company: res.company
    :return: an active language code, ``en_US`` when the partner's is not installed
    """
    lang = company.sudo().partner_id.lang
    if lang and company.env["res.lang"]._get_data(code=lang):
        return lang
    return "en_US"


def in_company_lang(company, *records):
    """``records`` (services, records) with the language of ``company``'s texts in context.

    :return: the records in the same order, a single one when only one was given
    """
    lang = company_lang(company)
    switched = tuple(record.with_context(lang=lang) for record in records)
    return switched[0] if len(switched) == 1 else switched


def format_money(env, amount, currency_name):
    """``amount`` in the currency named ``currency_name``, in ``env``'s language:
    ``kr 9.500,00`` in Danish, ``kr 9,500.00`` in English (the currency's symbol and position).
    """
    currency = (
        env["res.currency"]
        .with_context(active_test=False)
        .search([("name", "=", currency_name or "")], limit=1)
    )
    if currency:
        return format_amount(env, amount, currency)
    text = formatLang(env, amount, digits=2)
    return f"{text} {currency_name}" if currency_name else text


def format_hours(env, hours):
    """Hours with two decimals in ``env``'s language (``7,50`` in Danish)."""
    return formatLang(env, hours, digits=2)

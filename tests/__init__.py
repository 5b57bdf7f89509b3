# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_settings
from . import test_customers
from . import test_employees
from . import test_products
from . import test_timesheet_approval
from . import test_draft_invoice
from . import test_booking
from . import test_security
from . import test_master_safety
from . import test_language
from . import test_ui_settings
from . import test_tours
from . import test_poll
from . import test_webhooks
from . import test_money_safety
from . import test_stateful_invoicing
from . import test_stateful_findings
from . import test_in_flight
from . import test_partner_bookkeeping

# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import economic_write_guard
from . import economic_job_state
from . import economic_choice
from . import economic_run
from . import economic_sync_mixin
from . import res_company
from . import res_config_settings
from . import res_partner
from . import hr_employee
from . import product_template
from . import economic_master_sync
from . import project_project
from . import project_task
from . import account_analytic_line
from . import economic_invoice
from . import economic_invoice_sync
from . import economic_attention
from . import economic_internal_fields
from . import economic_money_fields
from . import project_project_poll
from . import res_company_poll
from . import economic_webhook
from . import res_company_webhook
from . import res_config_settings_webhook

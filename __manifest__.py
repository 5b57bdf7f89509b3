# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "e-conomic Connector",
    "version": "19.0.1.0.0",
    "category": "Services/Timesheets",
    "summary": "Customers, employees, products and approved timesheets in step with "
    "e-conomic (Visma), from draft invoice to booked invoice",
    "author": "e-conomic Connector authors",
    "website": "https://github.com/economic-connector/economic_connector",
    "license": "LGPL-3",
    "depends": ["hr_timesheet", "product", "mail"],
    "data": [
        "security/economic_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mail_message_subtype_data.xml",
        "data/ir_cron_invoice_data.xml",
        "data/ir_cron_webhook_data.xml",
        "report/economic_invoice_report.xml",
        "report/economic_invoice_templates.xml",
        "wizard/economic_customer_match_views.xml",
        "wizard/economic_book_invoice_views.xml",
        "views/economic_run_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_config_settings_webhook_views.xml",
        "views/res_partner_views.xml",
        "views/hr_employee_views.xml",
        "views/product_template_views.xml",
        "views/project_project_views.xml",
        "views/account_analytic_line_views.xml",
        "views/economic_invoice_views.xml",
        "views/economic_attention_views.xml",
        "views/economic_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "economic_connector/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
    "external_dependencies": {"python": ["requests"]},
}

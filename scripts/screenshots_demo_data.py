# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data for the Apps page screenshots, run in ``odoo shell`` on the database of
scripts/demo while it serves (see scripts/screenshots.py): books the demo project with the Odoo
layout and adds a second project whose lines are on a draft, approved and to approve."""

# ``env`` is the shell's:
# ruff: noqa: F821
from datetime import date, timedelta

company = env.ref("base.main_company")
admin = env.ref("base.user_admin")
env["res.partner"]._cron_economic_sync_master_data()
env.cr.commit()
company.economic_invoice_layout_source = "odoo"
project = env["project.project"].search([("name", "=", "Ny hjemmeside")], limit=1)
lines = env["account.analytic.line"].search([("project_id", "=", project.id)])
print("states before", lines.mapped("economic_line_state"))
if "to_approve" in lines.mapped("economic_line_state"):
    lines.with_user(admin).action_economic_approve()
env.cr.commit()
env["account.analytic.line"]._cron_economic_send_lines()
env.cr.commit()
print(
    "draft",
    project.economic_draft_number,
    lines.mapped("economic_line_state"),
    project.economic_error,
)
wizard = (
    env["economic.book.invoice"]
    .with_user(admin)
    .with_context(default_project_id=project.id)
    .create({})
)
wizard.action_book()
env.cr.commit()
env["account.analytic.line"]._cron_economic_send_lines()
env.cr.commit()
project.invalidate_recordset()
print(
    "booked",
    project.with_context(active_test=False).economic_invoice_ids.mapped("number"),
    lines.mapped("economic_line_state"),
    project.economic_error,
)

sol = env["res.partner"].search([("name", "=", "Bageriet Sol")], limit=1)
print("Sol", sol.economic_number, sol.economic_state)
project2 = env["project.project"].create(
    {
        "name": "Webshop til bageriet",
        "partner_id": sol.id,
        "allow_timesheets": True,
        "user_id": admin.id,  # the shell runs as OdooBot: the demo user manages the project
    }
)
task = env["project.task"].create({"name": "Produktsider", "project_id": project2.id})
mette = env["hr.employee"].search([("name", "=", "Mette Jensen")], limit=1)
admin_employee = env["hr.employee"].search([("user_id", "=", admin.id)], limit=1)
today = date.today()
new = env["account.analytic.line"].create(
    [
        {
            "name": "Opsætning af webshop",
            "project_id": project2.id,
            "task_id": task.id,
            "employee_id": mette.id,
            "unit_amount": 5.0,
            "date": today - timedelta(days=3),
        },
        {
            "name": "Produktfotos og tekster",
            "project_id": project2.id,
            "task_id": task.id,
            "employee_id": mette.id,
            "unit_amount": 2.5,
            "date": today - timedelta(days=2),
        },
        {
            "name": "Betalingsløsning",
            "project_id": project2.id,
            "task_id": task.id,
            "employee_id": admin_employee.id,
            "unit_amount": 1.5,
            "date": today - timedelta(days=1),
        },
        {
            "name": "Test med kunden",
            "project_id": project2.id,
            "task_id": task.id,
            "employee_id": mette.id,
            "unit_amount": 2.0,
            "date": today,
        },
    ]
)
env.cr.commit()
env["account.analytic.line"]._cron_economic_send_lines()  # creates the draft
env.cr.commit()
new[:2].with_user(admin).action_economic_approve()
env.cr.commit()
env["account.analytic.line"]._cron_economic_send_lines()
env.cr.commit()
new[2].with_user(admin).action_economic_approve()
env.cr.commit()
project2.invalidate_recordset()
print(
    "project2",
    project2.id,
    project2.economic_draft_number,
    new.mapped("economic_line_state"),
    project2.economic_error,
)
invoice = env["economic.invoice"].search([], limit=1)
print("invoice", invoice.id, invoice.number, invoice.layout_source, invoice.pdf_attachment_id.name)
print(f"PROJECT={project2.id} INVOICE={invoice.id}")

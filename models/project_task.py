# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError


class ProjectTask(models.Model):
    _inherit = "project.task"

    economic_product_id = fields.Many2one(
        "product.product",
        string="Invoice product",
        domain=[("product_tmpl_id.economic_number", "!=", False)],
        help="e-conomic product for time on this task, unless the line has its own. Empty: "
        "the project's product, else the default product from Settings.",
    )

    def write(self, vals):
        if "project_id" in vals:
            moving = self.filtered(lambda task: task.project_id.id != vals["project_id"])
            if self.env["account.analytic.line"]._economic_has_locked_lines(
                [("task_id", "in", moving.ids)]
            ):
                raise UserError(
                    self.env._(
                        "This task has approved timesheet lines on its project's invoice in "
                        "e-conomic; it cannot be moved to another project. Reset the lines to "
                        "“To approve” first, or create a new task."
                    )
                )
        return super().write(vals)

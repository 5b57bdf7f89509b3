// Copyright 2026 e-conomic Connector authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
//
// Tours of the e-conomic Connector, run in headless Chromium by tests/test_tours.py. They
// select by field and button names (stable across languages and label changes); the Python
// test runs the outbox job between tours and checks what e-conomic (the fake) received.
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const SUCCESS_NOTIFICATION = ".o_notification:has(.o_notification_bar.bg-success)";

/** Fail the tour with a readable message (an error thrown by a step fails the tour). */
function expect(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

// Settings > e-conomic: Test connection, then Refresh lists; both say so in a green notice.
tours.add("economic_settings_tour", {
    url: "/odoo/economic-settings",
    steps: () => [
        {
            content: "The e-conomic settings are shown",
            trigger: ".o_form_view [name=economic_customer_group_id]",
        },
        {
            content: "Test the connection",
            trigger: "button[name=action_economic_test_connection]",
            run: "click",
        },
        {
            content: "The agreement of the fake (1118081) is confirmed",
            trigger: `${SUCCESS_NOTIFICATION}:contains(1118081)`,
        },
        {
            content: "The page shows the agreement number after reloading",
            trigger: ".o_form_view [name=economic_connection_success_text]:contains(1118081)",
        },
        {
            content: "Close the notification",
            trigger: `${SUCCESS_NOTIFICATION} .o_notification_close`,
            run: "click",
        },
        {
            content: "Refresh the lists from e-conomic",
            trigger: "button[name=action_economic_refresh_lists]",
            run: "click",
        },
        {
            content: "The lists are loaded",
            trigger: SUCCESS_NOTIFICATION,
        },
        {
            content: "The settings form is back",
            trigger: ".o_form_view [name=economic_customer_group_id]",
        },
    ],
});

// A project invoiced through e-conomic: approve its timesheet lines from the project form.
tours.add("economic_approve_tour", {
    steps: () => [
        {
            content: "The project has lines waiting for approval",
            trigger: ".o_form_view button[name=action_economic_approve_all]",
            run: "click",
        },
        {
            content: "The approval is confirmed",
            trigger: SUCCESS_NOTIFICATION,
        },
        {
            content: "Nothing is left to approve",
            trigger: ".o_form_view:not(:has(button[name=action_economic_approve_all]))",
        },
    ],
});

// After the outbox job: the smart button shows the draft; its lines carry the badge
// "On draft invoice N"; then the bookkeeper books the draft through the wizard.
tours.add("economic_draft_and_book_tour", {
    steps: () => {
        let draftNumber = null;
        return [
            {
                content: "The Draft invoice smart button shows the draft's number",
                trigger:
                    ".o_form_view button[name=action_economic_view_lines] [name=economic_draft_number]",
                run() {
                    draftNumber = this.anchor.textContent.trim();
                    expect(/^\d+$/.test(draftNumber), `no draft number: "${draftNumber}"`);
                },
            },
            {
                content: "Open the lines on the draft",
                trigger: ".o_form_view button[name=action_economic_view_lines]",
                run: "click",
            },
            {
                content: "Every line's badge says it is on the draft",
                trigger: ".o_list_view .o_data_row [name=economic_status_label] .badge",
                run() {
                    const rows = document.querySelectorAll(".o_list_view .o_data_row");
                    expect(rows.length > 0, "no line on the draft");
                    for (const row of rows) {
                        const badge = row.querySelector("[name=economic_status_label] .badge");
                        expect(badge, "a line has no status badge");
                        const text = badge.textContent;
                        expect(
                            new RegExp(`(^|\\D)${draftNumber}(\\D|$)`).test(text),
                            `badge "${text}" does not name draft ${draftNumber}`
                        );
                        expect(
                            badge.classList.contains("text-bg-primary"),
                            `badge "${text}" is not in the "on draft" colour`
                        );
                    }
                },
            },
            {
                content: "Back to the project",
                trigger: ".o_breadcrumb .o_back_button",
                run: "click",
            },
            {
                content: "Book the invoice",
                trigger: ".o_form_view button[name=action_economic_book]",
                run: "click",
            },
            {
                content: "The wizard shows the draft to book",
                trigger: ".modal .o_form_view [name=draft_number]",
                run() {
                    const shown =
                        this.anchor.querySelector("input")?.value || this.anchor.textContent.trim();
                    expect(shown === draftNumber, `wizard shows draft "${shown}", not ${draftNumber}`);
                },
            },
            {
                content: "The invoice date is filled in",
                trigger: ".modal .o_form_view .o_field_widget[name=date]",
                run() {
                    const shown = this.anchor.querySelector("input")?.value || this.anchor.textContent;
                    expect(/\d/.test(shown), "the invoice date is empty");
                },
            },
            {
                content: "Book",
                trigger: ".modal button[name=action_book]",
                run: "click",
            },
            {
                content: "Confirm that booking cannot be undone",
                trigger: ".modal:not(:has(.o_form_view)) .modal-footer .btn-primary",
                run: "click",
            },
            {
                content: "The wizard is closed and the booking is queued",
                trigger:
                    "body:not(:has(.modal)) .o_form_view:not(:has(button[name=action_economic_book]))",
            },
        ];
    },
});

// The booked invoice in the Booked invoices list, then its form with the PDF.
tours.add("economic_booked_invoice_tour", {
    steps: () => [
        {
            content: "The booked invoice is listed",
            trigger: ".o_list_view .o_data_row [name=number]",
            run: "click",
        },
        {
            content: "Its form shows the number and the archived PDF",
            trigger: ".o_form_view [name=number]:not(:empty)",
        },
        {
            content: "The PDF can be downloaded",
            trigger: ".o_form_view .o_form_statusbar button[name=action_economic_download_pdf]",
        },
    ],
});

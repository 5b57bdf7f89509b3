# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Screenshots of a running demo (scripts/demo) for static/description/, in headless Chromium.

Drives Chromium through the DevTools protocol (websocket-client, which Odoo's own browser
tests use): logs in, opens each page, waits for a selector, optionally clicks, and saves a
PNG reduced to a palette to keep it small.

usage: python scripts/screenshots.py BASE_URL OUTDIR
         NAME[@HEIGHT]=PATH|WAIT_SELECTOR[|CLICK_SELECTOR] ...
       (HEIGHT: a taller window than 760 px for a long page, e.g. the Settings)
       (a PATH ending in .pdf, e.g. /report/pdf/..., is downloaded and its first page
       rasterized with pdftoppm from poppler-utils)

The Apps page screenshots (static/description/screenshot_*.png) were made so, on the demo
(DEMO_DB=econ_demo scripts/demo, then in odoo shell: scripts/screenshots_demo_data.py, which
prints the ids used below as PROJECT and INVOICE):
    S=".o_form_view button[name=action_economic_view_lines]"
    A=/odoo/action-economic_connector.action_economic_invoice
    R=/report/pdf/economic_connector.report_economic_invoice
    python scripts/screenshots.py http://127.0.0.1:8069 static/description \\
      "screenshot_settings@2250=/odoo/economic-settings|[name=economic_kind_overview] table" \\
      "screenshot_project_draft=/odoo/project/$PROJECT|$S|.o_notebook_headers [name=economic]" \\
      "screenshot_timesheet_states=/odoo/action-hr_timesheet.timesheet_action_all|.o_data_row" \\
      "screenshot_booked_invoice=$A/$INVOICE|.o_form_view [name=number]" \\
      "screenshot_invoice_pdf=$R/$INVOICE"
(the serving Odoo renders the report, so wkhtmltopdf reaches its style sheets)
"""

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import requests
import websocket
from PIL import Image, ImageOps

WIDTH, HEIGHT = 1280, 760


class Browser:
    def __init__(self, port=9333):
        self.profile = tempfile.mkdtemp(prefix="economic-shots-")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or shutil.which("google-chrome"),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                    pages = [p for p in json.load(answer) if p["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{selector} not found")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def login(base_url, user="admin", password="admin"):
    session = requests.Session()
    page = session.get(f"{base_url}/web/login", timeout=30).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    session.post(
        f"{base_url}/web/login",
        timeout=30,
        data={"login": user, "password": password, "csrf_token": token},
    )
    return session.cookies["session_id"]


def save_png(data, path):
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def save_pdf_page(base_url, session_id, path, out_path):
    """First page of a PDF the server renders, cropped to its content."""
    answer = requests.get(base_url + path, cookies={"session_id": session_id}, timeout=300)
    answer.raise_for_status()
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/doc.pdf", "wb") as pdf:
            pdf.write(answer.content)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "96",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                f"{tmp}/doc.pdf",
                f"{tmp}/page",
            ],
            check=True,
        )
        page = Image.open(f"{tmp}/page.png").convert("RGB")
    left, top, right, bottom = ImageOps.invert(page).getbbox()
    margin = 30
    page = page.crop(
        (
            max(left - margin, 0),
            max(top - margin, 0),
            min(right + margin, page.width),
            min(bottom + margin, page.height),
        )
    )
    page = ImageOps.expand(page, border=1, fill=(200, 200, 200))  # the sheet's edge
    page.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out_path, optimize=True)


def main(base_url, outdir, *shots):
    # another Chromium (a colleague's tour) may hold the default debugging port
    browser = Browser(int(os.environ.get("SCREENSHOTS_DEBUG_PORT", "9333")))
    try:
        browser.call("Network.enable")
        host = base_url.split("//", 1)[1].split(":", 1)[0].split("/", 1)[0]
        session_id = login(base_url)
        browser.call(
            "Network.setCookie", name="session_id", value=session_id, domain=host, path="/"
        )
        for shot in shots:
            name, spec = shot.split("=", 1)
            name, _, height = name.partition("@")
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=WIDTH,
                height=int(height or HEIGHT),
                deviceScaleFactor=1,
                mobile=False,
            )
            path, *rest = spec.split("|")
            if path.endswith(".pdf") or path.startswith("/report/pdf/"):
                save_pdf_page(base_url, session_id, path, f"{outdir}/{name}.png")
                print(f"{outdir}/{name}.png")
                continue
            wait, *click = rest
            browser.call("Page.navigate", url=base_url + path)
            time.sleep(1)
            browser.wait_for(wait)
            for selector in click:
                browser.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
                time.sleep(1.5)
            time.sleep(2)  # let fonts and late renders settle
            data = browser.call("Page.captureScreenshot", format="png")["data"]
            save_png(base64.b64decode(data), f"{outdir}/{name}.png")
            print(f"{outdir}/{name}.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])

# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""README.rst is what scripts/readme-build makes of the readme/ fragments (issue 8, item 5)."""

import importlib.machinery
import importlib.util
import io
import os
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "readme-build")


def load_builder():
    loader = importlib.machinery.SourceFileLoader("readme_build", SCRIPT)
    spec = importlib.util.spec_from_loader("readme_build", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class TestReadme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.builder = load_builder()

    def test_readme_is_generated_from_the_fragments(self):
        self.assertEqual(
            self.builder.stale(), [], "README.rst is out of date: run scripts/readme-build"
        )

    def test_a_fragment_change_makes_the_readme_stale(self):
        with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as handle:
            current = handle.read()
        changed = self.builder.build({"ROADMAP.md": "- Something else entirely.\n"})
        self.assertNotEqual(changed, current)
        self.assertIn("- Something else entirely.", changed)

    def test_contract_table_in_the_fragment_is_the_table_of_the_code(self):
        table = self.builder.contract_table_md()
        with open(os.path.join(ROOT, "readme", "INVOICING.md"), encoding="utf-8") as handle:
            self.assertIn(table, handle.read())
        row = "| POST | projectsapi `/Employees` | `openapi-Projects.json#Employee` |"
        self.assertIn(row, table)

    def test_readme_is_valid_restructuredtext(self):
        try:
            import docutils.core  # noqa: PLC0415 - optional: only where docutils is installed
        except ImportError:
            self.skipTest("docutils is not installed")
        with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as handle:
            source = handle.read()
        warnings = io.StringIO()
        docutils.core.publish_doctree(
            source, settings_overrides={"warning_stream": warnings, "report_level": 2}
        )
        self.assertEqual(warnings.getvalue(), "")

    def test_markdown_subset(self):
        inline = self.builder.inline
        self.assertEqual(inline("see `a_b`s and [x](https://e.dk)"),
                         "see ``a_b``\\ s and `x <https://e.dk>`__")  # fmt: skip
        self.assertEqual(inline("<https://e.dk/x>"), "https://e.dk/x")
        rst = "\n".join(self.builder.convert("# T\n\n## S\n\n| a | b |\n|---|---|\n| 1 | |\n", 2))
        self.assertIn("T\n-\n", rst)
        self.assertIn("S\n~\n", rst)
        self.assertIn(".. list-table::", rst)
        self.assertIn("   * - 1\n     -", rst)


if __name__ == "__main__":
    unittest.main()

"""STYLE: no line of app/, core/ or storage/ is wider than 100 columns (characters, not bytes:
Vietnamese and Ukrainian text counts one column a letter)."""

import pathlib
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = ("app", "core", "storage")
COLUMNS_MAX = 100


class LineLengthTest(unittest.TestCase):
    def test_no_line_over_100_columns(self):
        wide = []
        for folder in FOLDERS:
            for path in sorted((ROOT / folder).glob("*.[ch]pp")):
                for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                    if len(line) > COLUMNS_MAX:
                        wide.append(f"{path.relative_to(ROOT)}:{number}: {len(line)} columns")
        self.assertEqual(wide, [], "lines over 100 columns:\n" + "\n".join(wide))


if __name__ == "__main__":
    unittest.main()

"""The web UI's words (app/web/i18n/*.json): every language has every key, and each text names
the same {values} as the English one, so no screen shows a bare key or an unfilled value."""

import json
import pathlib
import re
import unittest

FOLDER = pathlib.Path(__file__).resolve().parent.parent / "app" / "web" / "i18n"
LANGUAGES = ("en", "vi", "uk")


def values(text):
    return sorted(set(re.findall(r"\{(\w+)\}", text)))


class WordsTest(unittest.TestCase):
    def setUp(self):
        self.words = {lang: json.loads((FOLDER / f"{lang}.json").read_text("utf-8"))
                      for lang in LANGUAGES}

    def test_every_language_has_every_key(self):
        english = set(self.words["en"])
        for lang in LANGUAGES[1:]:
            theirs = set(self.words[lang])
            self.assertEqual(sorted(english - theirs), [], f"{lang}.json lacks these keys")
            self.assertEqual(sorted(theirs - english), [], f"{lang}.json has keys en.json lacks")

    def test_each_text_names_the_same_values(self):
        for lang in LANGUAGES[1:]:
            differ = [key for key, text in self.words["en"].items()
                      if key in self.words[lang] and values(self.words[lang][key]) != values(text)]
            self.assertEqual(differ, [], f"{lang}.json names other values than en.json")

    def test_no_text_is_empty(self):
        for lang in LANGUAGES:
            empty = [key for key, text in self.words[lang].items()
                     if not isinstance(text, str) or not text.strip()]
            self.assertEqual(empty, [], f"{lang}.json has empty texts")


if __name__ == "__main__":
    unittest.main()

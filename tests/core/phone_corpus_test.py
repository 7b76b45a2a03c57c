"""Cross-checks core/phone.cpp against python3-phonenumbers (Google's libphonenumber, Debian's
port) over a generated corpus of VN and UA numbers in the spellings people type.

Where the product deliberately differs from libphonenumber the corpus says so: old 11-digit
Vietnamese mobiles are renumbered (libphonenumber calls them invalid), and only mobile and
fixed-line numbers are valid phones of a customer or a lead (not toll-free, premium, UAN)."""
import os
import random
import subprocess
import sys
import unittest

import phonenumbers
from phonenumbers import PhoneNumberType

CHECK_BIN = os.environ["SALESDESK_PHONE_CHECK_BIN"]
COUNTRIES = {"VN": "84", "UA": "380"}
PERSONAL = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
OLD_VN = {"120": "70", "121": "79", "122": "77", "126": "76", "128": "78", "123": "83",
          "124": "84", "125": "85", "127": "81", "129": "82", "162": "32", "163": "33",
          "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
          "186": "56", "188": "58", "199": "59"}


def expected(raw, unit):
    """What the product should store for `raw` in a unit of country `unit`, by libphonenumber."""
    try:
        n = phonenumbers.parse(raw, unit)
        nsn = str(n.national_number)
        if n.country_code == 84 and len(nsn) == 10 and nsn[:3] in OLD_VN:
            # The product renumbers old mobiles first; libphonenumber then judges the new number.
            n = phonenumbers.parse("+84" + OLD_VN[nsn[:3]] + nsn[3:], unit)
    except phonenumbers.NumberParseException:
        return "invalid"
    region = phonenumbers.region_code_for_number(n)
    if region not in COUNTRIES or phonenumbers.number_type(n) not in PERSONAL:
        return "invalid"
    if not phonenumbers.is_valid_number(n) or n.italian_leading_zero:
        return "invalid"
    nsn = str(n.national_number)
    return "0" + nsn if region == unit else "+" + COUNTRIES[region] + nsn


def spellings(cc, nsn, rng):
    national = "0" + nsn
    spaced = " ".join([national[:4], national[4:7], national[7:]])
    dotted = ".".join([national[:4], national[4:7], national[7:]])
    return [national, "+" + cc + nsn, "+" + cc + " " + nsn[:2] + " " + nsn[2:], "00" + cc + nsn,
            spaced, dotted, national[:3] + "-" + national[3:6] + "-" + national[6:],
            "(" + national[:3] + ") " + national[3:], rng.choice([national, cc + nsn])]


def corpus(seed=20261123, per_country=4000):
    rng = random.Random(seed)
    rows = []
    for unit in COUNTRIES:
        for country, cc in COUNTRIES.items():
            for _ in range(per_country // 2):
                length = rng.choice([8, 9, 9, 9, 10, 10])
                nsn = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(length - 1))
                for raw in spellings(cc, nsn, rng):
                    if country != unit and not raw.startswith(("+", "00")):
                        continue  # a national spelling means the unit's own country
                    rows.append((unit, raw, expected(raw, unit)))
    return rows


def old_vietnamese(rng, count=500):
    rows = []
    for _ in range(count):
        old, new = rng.choice(sorted(OLD_VN.items()))
        rest = "".join(rng.choice("0123456789") for _ in range(7))
        want = expected("0" + new + rest, "VN")
        rows.append(("VN", "0" + old + rest, want))
        rows.append(("VN", "+84 " + old + rest, want))
        rows.append(("UA", "+84" + old + rest, "+84" + new + rest if want != "invalid" else "invalid"))
    return rows


class PhoneCorpus(unittest.TestCase):
    def test_core_agrees_with_libphonenumber(self):
        rows = corpus() + old_vietnamese(random.Random(7))
        stdin = "".join(f"{unit}\t{raw}\n" for unit, raw, _ in rows)
        out = subprocess.run([CHECK_BIN], input=stdin, capture_output=True, text=True, check=True,
                             timeout=120).stdout.splitlines()
        self.assertEqual(len(out), len(rows))
        valid = sum(1 for _, _, want in rows if want != "invalid")
        mismatches = [(u, raw, want, got) for (u, raw, want), got in zip(rows, out) if want != got]
        print(f"{len(rows)} numbers, {valid} valid, {len(mismatches)} mismatches", file=sys.stderr)
        self.assertGreater(valid, len(rows) // 10, "the corpus must hold enough valid numbers")
        self.assertEqual(mismatches[:20], [])


if __name__ == "__main__":
    unittest.main()

"""Cross-checks core/phone.cpp against python3-phonenumbers (Google's libphonenumber, Debian's
port) over generated corpora: VN and UA numbers in the spellings people type, and numbers of
every other country dialled from a VN or UA unit with "00" or "+".

Where the product deliberately differs from libphonenumber the corpus says so: old 11-digit
Vietnamese mobiles are renumbered (libphonenumber calls them invalid), only mobile and
fixed-line numbers are valid phones of a customer or a lead (not toll-free, premium, UAN), in
every country, and no number has more than the 15 digits E.164 allows (libphonenumber takes
German numbers of up to 17).

Foreign numbers: core/phone.cpp knows every calling code with the lengths of its mobile and
fixed-line numbers, and the exact patterns only of phone_world.PATTERN_CODES. So agreement must
be full except for two classes, counted and reported, not matched on purpose:
  - by length: a number of a country outside PATTERN_CODES whose length and first digit its
    mobiles or landlines may have, but whose other digits its plan does not allow (or a
    toll-free or premium number of that length and first digit), is accepted where
    libphonenumber refuses it; its normalised form is libphonenumber's, but for a trunk prefix
    that length and first digit cannot tell from the number ("+52 1 1837351958").
  - rewritten: where a country's metadata has a national_prefix_transform_rule (AR, BR, GA, MG,
    NF, SM), libphonenumber rewrites some numbers as it reads them (a 5-digit Norfolk Island
    number gets a 3 in front, "0 6x" in Gabon loses its 0); core takes the digits as typed.
Not generated because core refuses them on purpose: letters ("1-800-FLOWERS"), extensions
("ext. 12"), and national forms of other countries without "00" or "+". Not generated because
core does not follow them: carrier codes after the calling code (BR, CO, KR, CN...)."""
import os
import random
import subprocess
import sys
import unittest

import phonenumbers
from phonenumbers import PhoneNumberType

import phone_world

CHECK_BIN = os.environ["SALESDESK_PHONE_CHECK_BIN"]
COUNTRIES = {"VN": "84", "UA": "380"}
PERSONAL = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
OLD_VN = {"120": "70", "121": "79", "122": "77", "126": "76", "128": "78", "123": "83",
          "124": "84", "125": "85", "127": "81", "129": "82", "162": "32", "163": "33",
          "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
          "186": "56", "188": "58", "199": "59"}
E164_DIGITS_MAX = 15


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
    if region is None or phonenumbers.number_type(n) not in PERSONAL:
        return "invalid"
    if not phonenumbers.is_valid_number(n) or (region in COUNTRIES and n.italian_leading_zero):
        return "invalid"
    e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) - 1 > E164_DIGITS_MAX:
        return "invalid"
    return "0" + phonenumbers.national_significant_number(n) if region == unit else e164


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


DESC_NAMES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
              "personal_number", "pager", "uan", "voicemail")
# Calling codes of no country. A 0 or 8 after "80" makes it +800 or +808 (known, with no mobile
# or landline numbers): the corpus tries how codes are told apart as well.
UNKNOWN_CODES = ["80", "28", "999", "969", "210", "259", "292", "384", "425", "693", "801", "89"]
OTHER_CODES = sorted(set(phone_world.COUNTRY_CODE_TO_REGION_CODE) - phone_world.OWN_CODES)


def kind(cc):
    """How core/phone.cpp judges numbers of calling code `cc` (a string)."""
    if int(cc) in phone_world.PATTERN_CODES:
        return "pattern"
    return "length" if int(cc) in OTHER_CODES else "unknown"


def example_numbers():
    """(calling code, national significant number) of every example in the metadata."""
    return [(str(cc), desc.example_number) for cc in OTHER_CODES for md in phone_world.metadata(cc)
            for desc in (getattr(md, name) for name in DESC_NAMES)
            if desc is not None and desc.example_number]


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def mutations(cc, nsn, rng):
    """The number, and the mistakes people make: a digit dropped or added, another first digit,
    a digit changed, the trunk prefix kept, the tail made up."""
    i = rng.randrange(len(nsn))
    first = rng.choice([d for d in "0123456789" if d != nsn[0]])
    trunk = rng.choice(phone_world.trunk_prefixes(int(cc)) or ["0"])
    return [nsn, nsn[:-1], nsn + digits(rng, 1), first + nsn[1:],
            nsn[:i] + digits(rng, 1) + nsn[i + 1:], trunk + nsn,
            nsn[:2] + digits(rng, len(nsn) - 2)]


def dialled(cc, nsn, rng):
    """`cc` `nsn` written with "+" and with "00", with the separators people type."""
    cut = rng.randint(1, max(1, len(nsn) - 1))
    groups = [nsn[:cut], nsn[cut:]]
    body = rng.choice([nsn, rng.choice(" -. ").join(groups), "(" + groups[0] + ") " + groups[1]])
    space = lambda: rng.choice(["", " "])
    return ["+" + cc + space() + body, "00" + space() + cc + " " + body]


def random_numbers(rng, count):
    """Random digits after a random known calling code, of about its lengths."""
    out = []
    for _ in range(count):
        cc = rng.choice(OTHER_CODES)
        lengths = phone_world.personal_lengths(cc) or [8]
        n = rng.randint(min(lengths) - 1, max(lengths) + 1)
        out.append((str(cc), str(rng.randint(1, 9)) + digits(rng, n - 1)))
    return out


def pattern_tails(rng, examples, count):
    """The first 1 to 4 digits of an example of a PATTERN_CODES country and a random tail to a
    length of its numbers: what tries its patterns digit by digit."""
    pool = [(cc, nsn) for cc, nsn in examples if kind(cc) == "pattern"]
    out = []
    for _ in range(count):
        cc, nsn = rng.choice(pool)
        n = rng.choice(phone_world.personal_lengths(int(cc)))
        head = nsn[:rng.randint(1, 4)]
        out.append((cc, head + digits(rng, max(0, n - len(head)))))
    return out


def unknown_codes(rng, count):
    return [(rng.choice(UNKNOWN_CODES), digits(rng, rng.randint(6, 11))) for _ in range(count)]


def foreign_corpus(seed=20260808):
    """(unit, raw, libphonenumber's verdict, kind) for numbers of other countries."""
    rng = random.Random(seed)
    examples = example_numbers()
    numbers = [(cc, m) for cc, nsn in examples for m in mutations(cc, nsn, rng) if m]
    numbers += random_numbers(rng, 3000) + pattern_tails(rng, examples, 3000)
    numbers += unknown_codes(rng, 500)
    rows = [("UA", "001251155919", "1"), ("VN", "001251155919", "1"), ("UA", "+1251155919", "1")]
    for cc, nsn in numbers:
        rows += [(rng.choice(["VN", "UA"]), raw, cc) for raw in dialled(cc, nsn, rng)]
    # libphonenumber's patterns overflow Python's cache of 512 compiled ones: asked country by
    # country, it compiles each once (a few seconds less).
    verdicts = {(u, raw): expected(raw, u) for u, raw, _ in sorted(rows, key=lambda r: r[2])}
    return [(unit, raw, verdicts[unit, raw], kind(cc)) for unit, raw, cc in rows]


def length_only(got):
    """True when `got` is "+" and a calling code whose numbers core checks only by length."""
    return got.startswith("+") and any(kind(got[1:1 + k]) == "length" for k in (1, 2, 3))


REWRITING = {cc for cc in phone_world.COUNTRY_CODE_TO_REGION_CODE
             if phone_world.metadata(cc)[0].national_prefix_transform_rule}


def rewritten(raw, unit):
    """True when libphonenumber reads `raw` as digits other than those typed after the code,
    less a trunk prefix: a national_prefix_transform_rule at work."""
    try:
        n = phonenumbers.parse(raw, unit)
    except phonenumbers.NumberParseException:
        return False
    if n.country_code not in REWRITING:
        return False
    dialled_digits = "".join(c for c in raw if c.isdigit())
    idd = 0 if raw.lstrip().startswith("+") else 2
    typed = dialled_digits[idd + len(str(n.country_code)):]
    read = [typed] + [typed[len(p):] for p in phone_world.trunk_prefixes(n.country_code)
                      if typed.startswith(p)]
    return phonenumbers.national_significant_number(n) not in read


def libphonenumber_form(raw, unit):
    """libphonenumber's E.164 reading of `raw`, valid or not, or None."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(raw, unit),
                                          phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return None


def same_but_trunk(theirs, ours):
    """True when two E.164 forms are equal, or equal but for a trunk prefix kept in one."""
    if theirs is None or theirs == ours:
        return theirs == ours
    longer, shorter = sorted([theirs, ours], key=len, reverse=True)
    for cc in range(1, 1000):
        code = "+" + str(cc)
        if shorter.startswith(code) and cc in phone_world.COUNTRY_CODE_TO_REGION_CODE:
            return any(longer == code + p + shorter[len(code):]
                       for p in phone_world.trunk_prefixes(cc))
    return False


def plain_expected(raw, unit):
    """libphonenumber's is_valid_number alone, for the figures: any type of number is valid."""
    try:
        n = phonenumbers.parse(raw, unit)
    except phonenumbers.NumberParseException:
        return "invalid"
    if not phonenumbers.is_valid_number(n):
        return "invalid"
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def run_check(rows):
    stdin = "".join(f"{row[0]}\t{row[1]}\n" for row in rows)
    return subprocess.run([CHECK_BIN], input=stdin, capture_output=True, text=True, check=True,
                          timeout=120).stdout.splitlines()


def report(rows, out, by_length, rewriting):
    """The agreement figures, on stderr: by kind of country, and with is_valid_number alone."""
    lines = []
    for k in ("pattern", "length", "unknown"):
        pairs = [(want, got) for (_, _, want, kind_), got in zip(rows, out) if kind_ == k]
        valid = [got == want for want, got in pairs if want != "invalid"]
        invalid = [got == want for want, got in pairs if want == "invalid"]
        agree = sum(valid) + sum(invalid)
        lines.append(f"  {k:8} {len(pairs):6} numbers, {agree:6} agree "
                     f"({100 * agree / len(pairs):6.2f}%): valid {sum(valid)}/{len(valid)} "
                     f"accepted alike, invalid {sum(invalid)}/{len(invalid)} refused")
    agree = sum(1 for (_, _, want, _), got in zip(rows, out) if want == got)
    # Country by country, for Python's cache of compiled patterns (see foreign_corpus).
    order = sorted(range(len(rows)), key=lambda i: rows[i][1].lstrip("+0 "))
    plain = sum(1 for i in order if plain_expected(rows[i][1], rows[i][0]) == out[i])
    print(f"\nforeign: {len(rows)} numbers, {agree} agree ({100 * agree / len(rows):.2f}%); "
          f"not matched on purpose: {by_length} accepted by length, {rewriting} rewritten",
          *lines, f"  with is_valid_number alone (any type of number): {plain} agree "
          f"({100 * plain / len(rows):.2f}%)", sep="\n", file=sys.stderr)


class PhoneCorpus(unittest.TestCase):
    def test_core_agrees_with_libphonenumber(self):
        rows = corpus() + old_vietnamese(random.Random(7))
        out = run_check(rows)
        self.assertEqual(len(out), len(rows))
        valid = sum(1 for _, _, want in rows if want != "invalid")
        mismatches = [(u, raw, want, got) for (u, raw, want), got in zip(rows, out) if want != got]
        print(f"{len(rows)} numbers, {valid} valid, {len(mismatches)} mismatches", file=sys.stderr)
        self.assertGreater(valid, len(rows) // 10, "the corpus must hold enough valid numbers")
        self.assertEqual(mismatches[:20], [])

    def test_foreign_numbers_agree_with_libphonenumber(self):
        rows = foreign_corpus()
        out = run_check(rows)
        self.assertEqual(len(out), len(rows))
        # The classes not matched on purpose (see the module's comment), then the mismatches.
        by_length, rewriting, mismatches = [], [], []
        for (u, raw, want, _), got in zip(rows, out):
            if want == got:
                continue
            if want == "invalid" and length_only(got):
                by_length.append((u, raw, got))
            elif rewritten(raw, u):
                rewriting.append((u, raw, want, got))
            else:
                mismatches.append((u, raw, want, got))
        report(rows, out, len(by_length), len(rewriting))
        valid = sum(1 for _, _, want, _ in rows if want != "invalid")
        self.assertGreater(valid, len(rows) // 10, "the corpus must hold enough valid numbers")
        self.assertEqual(mismatches[:20], [])
        self.assertLess(len(rewriting), 20, rewriting[:20])
        # Even when accepted by length, the number is spelled as libphonenumber reads it, but for
        # a trunk prefix that the length and first digit could not tell from the number.
        spelled = [(u, raw, got) for u, raw, got in by_length
                   if not same_but_trunk(libphonenumber_form(raw, u), got)]
        self.assertEqual(spelled[:20], [])

    def test_world_tables_are_the_generated_ones(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../core/phone.cpp")
        with open(path, encoding="utf-8") as f:
            pasted = phone_world.pasted(f.read())
        self.assertEqual(pasted, phone_world.block(), "core/phone.cpp's world tables differ from "
                         "the generated ones: /usr/bin/python3 tests/core/phone_world.py --write "
                         "core/phone.cpp")


if __name__ == "__main__":
    unittest.main()


# ---- the phone finder: phones in the text of a message (core::find_phones) ----
# Messages as customers write them, with phones in the spellings above and numbers that are no
# phone (prices, order codes, dates, bank accounts, quantities). libphonenumber's
# PhoneNumberMatcher (leniency VALID) reads the same texts; each phone it finds is judged by
# expected() like any typed number. Deliberately not compared: old 11-digit Vietnamese mobiles
# (libphonenumber no longer knows them; the product renumbers them: checked on their own).
VN_TEMPLATES = [
    "Sđt em là {p} nhé shop", "gọi {p} hoặc {q} giúp em", "Ship về 12 Hàng Bạc, sđt {p}",
    "Giá 150.000đ phải không, mã SP{code}, sđt: {p}", "em lấy 2 cái size M. {p}",
    "Ngày 12/05/2024 em gọi {p} mà không được", "{p}", "zalo: {p} ạ",
    "STK {account} Vietcombank, sđt {p}", "đơn #{code} giao giờ hành chính, {p}",
    "Em ở số {small} ngõ 45, liên hệ {p} hoặc {q}", "tổng 1.250.000 VND",
]
UA_TEMPLATES = [
    "Мій номер {p}", "телефонуйте {p} або {q}", "Ціна 1500 грн, замовлення №{code}, {p}",
    "Нова пошта відділення {small}, тел. {p}", "{p}", "карта {account}, номер {p}",
]


def finder_corpus(seed=20261201, count=3000):
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        unit = rng.choice(list(COUNTRIES))
        templates = VN_TEMPLATES if unit == "VN" else UA_TEMPLATES

        def phone():
            country, cc = rng.choice(list(COUNTRIES.items()))
            # Mostly valid numbers (drawn until one is), some not; never an old mobile.
            want_valid = rng.random() < 0.85
            for _ in range(60):
                nsn = str(rng.randint(1, 9)) + digits(rng, rng.choice([8, 9, 9]))
                old = cc == "84" and len(nsn) == 10 and nsn[:3] in OLD_VN
                if not old and (not want_valid or expected("+" + cc + nsn, unit) != "invalid"):
                    break
            raw = rng.choice(spellings(cc, nsn, rng))
            return raw if country == unit or raw.startswith(("+", "00")) else "+" + cc + nsn

        text = rng.choice(templates).format(
            p=phone(), q=phone(), code=digits(rng, rng.randint(3, 6)),
            account=str(rng.randint(1, 9)) + digits(rng, rng.choice([12, 13, 15])),
            small=rng.randint(1, 300))
        rows.append((unit, text))
    return rows


def matcher_expected(text, unit):
    out = []
    for m in phonenumbers.PhoneNumberMatcher(text, unit, leniency=phonenumbers.Leniency.VALID):
        want = expected(m.raw_string, unit)
        if want != "invalid" and want not in out:
            out.append(want)
    return out


def run_finder(rows):
    stdin = "".join(f"FIND\t{unit}\t{text}\n" for unit, text in rows)
    out = subprocess.run([CHECK_BIN], input=stdin, capture_output=True, text=True, check=True,
                         timeout=120).stdout.split("\n")[:len(rows)]
    return [line.split(",") if line else [] for line in out]


class PhoneFinder(unittest.TestCase):
    def test_phones_found_in_messages_agree_with_libphonenumber(self):
        rows = finder_corpus()
        got = run_finder(rows)
        self.assertEqual(len(got), len(rows))
        wanted = [matcher_expected(text, unit) for unit, text in rows]
        found = sum(len(w) for w in wanted)
        mismatches = [(unit, text, want, have)
                      for (unit, text), want, have in zip(rows, wanted, got) if want != have]
        print(f"\nfinder: {len(rows)} messages, {found} phones, {len(mismatches)} disagree",
              file=sys.stderr)
        self.assertGreater(found, len(rows) // 2, "the corpus must hold enough phones")
        self.assertEqual(mismatches[:20], [])

    def test_old_vietnamese_mobiles_in_a_message_are_found_renumbered(self):
        rows = [("VN", "sđt cũ của em 01689 123 456 nhé"), ("VN", "0168.912.3456"),
                ("UA", "+84 1689123456")]
        self.assertEqual(run_finder(rows), [["0389123456"], ["0389123456"], ["+84389123456"]])

#!/usr/bin/env python3
"""Writes i18n/locales/sr-Cyrl/*.ftl from i18n/locales/sr-Latn/*.ftl.

Serbian Latin and Cyrillic map letter for letter (lj, nj and dž are single letters), so the
Cyrillic locale is generated rather than translated twice. Message ids, attributes, variables,
variant keys, slash commands and all-caps words (QR, RSD) stay as they are. Run it after
editing sr-Latn, then look over the diff and run the checker:

    python3 i18n/scripts/sr-latn-to-cyrl.py && cargo test -p regulars-i18n
"""

import re
import sys
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"

DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ", "LJ": "Љ", "NJ": "Њ", "DŽ": "Џ"}
LETTERS = dict(zip(
    "abvgdđežzijklmnoprstćufhcčšABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠ",
    "абвгдђежзијклмнопрстћуфхцчшАБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШ",
))
LETTERS.update({"ô": "о\u0302", "Ô": "О\u0302"})

# Never transliterated: Fluent syntax inside placeables, variant keys, commands, acronyms,
# the product name, and explicit escapes written as {"..."} string literals.
PROTECTED = re.compile(
    r"""\$[A-Za-z][\w-]*          # variables
      | \*?\[[^\]]*\]             # variant keys
      | [A-Z]+\(                  # function calls like NUMBER(
      | "[^"]*"                   # string literals
      | ->
      | /[a-z]+                   # bot commands
      | \b[A-Z]{2,}\b             # acronyms: QR, RSD
      | \bRegulars\b
      | sr-Cyrl/ | sr-Latn/ | en/bot\.ftl
    """,
    re.VERBOSE,
)
# Messages whose Cyrillic text is not the transliteration of the Latin one.
OVERRIDES = {"bot-language-name": "Српски (ћирилица)"}
ENTRY = re.compile(r"^(\s*\.?-?[a-z][\w-]*\s*=)(.*)$")


def transliterate_text(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in DIGRAPHS:
            out.append(DIGRAPHS[pair])
            i += 2
        else:
            out.append(LETTERS.get(text[i], text[i]))
            i += 1
    return "".join(out)


def transliterate_segment(text: str) -> str:
    out, last = [], 0
    for match in PROTECTED.finditer(text):
        out.append(transliterate_text(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(transliterate_text(text[last:]))
    return "".join(out)


def transliterate_line(line: str) -> str:
    entry = ENTRY.match(line)
    if entry and not line.lstrip().startswith("#"):
        message_id = entry.group(1).rstrip("= ").strip()
        if message_id in OVERRIDES:
            return f"{entry.group(1)} {OVERRIDES[message_id]}"
        return entry.group(1) + transliterate_segment(entry.group(2))
    return transliterate_segment(line)


def main() -> int:
    source, target = LOCALES / "sr-Latn", LOCALES / "sr-Cyrl"
    target.mkdir(exist_ok=True)
    for path in sorted(source.glob("*.ftl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        converted = [transliterate_line(line) for line in lines]
        header = f"# GENERATED from sr-Latn/{path.name} by i18n/scripts/sr-latn-to-cyrl.py; edit sr-Latn instead."
        (target / path.name).write_text("\n".join([header, *converted]) + "\n", encoding="utf-8")
        print(f"wrote {target / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

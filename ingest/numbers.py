"""French numbers written in words, as minutes print counts and dates: "une", "dix-sept", "vingt et une",
"soixante-douze", "quatre-vingt-dix-neuf", "cent trois".

A small table of units and tens rather than a dependency: counts of votes and days stay under a thousand, and the
regular expression below must be embeddable in the patterns that find them.
"""

from __future__ import annotations

import re

_UNITS = {
    "zéro": 0,
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
}
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "quatre-vingt": 80}

_UNIT = r"(?:une?|deux|trois|quatre|cinq|six|sept|huit|neuf)"
_TEEN = r"(?:dix[- ](?:sept|huit|neuf)|dix|onze|douze|treize|quatorze|quinze|seize)"
_TEN = r"(?:vingt|trente|quarante|cinquante|soixante)"
_BELOW_100 = (
    rf"(?:quatre[- ]vingts?(?:[- ](?:{_TEEN}|{_UNIT}))?"  # before "quatre" alone
    rf"|{_TEN}(?:[- ]et[- ](?:une?|onze)|[- ](?:{_TEEN}|{_UNIT}))?"
    rf"|{_TEEN}|{_UNIT}|z[ée]ro)"
)
# One number in words, 0 to 999: "vingt et une", "soixante-dix", "deux cents", "cent douze".
NUMBER_WORD = rf"(?:(?:{_UNIT}[- ])?cents?(?:[- ]{_BELOW_100})?|{_BELOW_100})"


def number(word: str) -> int:
    """ "34" → 34, "une" → 1, "trente-quatre" → 34, "dix-sept" → 17, "quatre-vingt-onze" → 91."""
    if word.isdigit():
        return int(word)
    text = re.sub(r"quatre[- ]vingts?", "quatre-vingt", word.lower())
    tokens = [t for t in re.split(r"[ ]|-(?!vingt)", text) if t and t != "et"]
    total = 0
    for token in tokens:
        if token in ("cent", "cents"):
            total = max(total, 1) * 100
        else:
            total += _TENS.get(token, 0) or _UNITS[token]
    return total


# A number in words standing alone ("six ans", "quinze voix", "vingt-deux membres"); "un" and "une" alone are
# articles far more often than counts, and "neuf" ending a phrase is new ("un bâtiment neuf"): they stay words.
_SPELLED = re.compile(
    rf"(?<![\w-])(?!une?(?![\w-])|neuf(?!\s+[a-zà-ÿ]))({NUMBER_WORD})(?![\w-])", re.IGNORECASE
)


def in_digits(text: str) -> str:
    """The text with its numbers in words written in digits: "pour six ans" → "pour 6 ans"."""
    return _SPELLED.sub(lambda m: str(number(m.group(1))), text)


def as_printed(text: str, printed: str) -> str:
    """The text with each number it writes in words written in digits where `printed` (what it was read from)
    prints that number in digits and not in words: « pendant six ans » read from « 6 ans » → « pendant 6 ans »."""

    def form(m: re.Match[str]) -> str:
        word, n = m.group(1), str(number(m.group(1)))
        in_words = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", printed, re.IGNORECASE)
        in_digits_ = re.search(rf"(?<!\d){n}(?!\d)", printed)
        return n if in_digits_ and not in_words else word

    return _SPELLED.sub(form, text)

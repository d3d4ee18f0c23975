"""CSV cells that a spreadsheet shows as text instead of running as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@`
(and, after a leading tab or carriage return, what follows) as a formula: a name such
as `=HYPERLINK("http://x","y")` in an export becomes a live link or worse when an
operator opens the file (OWASP, "CSV Injection"). Exports put a single quote `'` in
front of such cells, the prefix spreadsheets read as "this is text"; imports take it
off again, so a file exported and imported back is unchanged.

Every cell gets the same rule, the phone number too: `+14155552671` would be read as
the number 14155552671 (or 4.42E+11 for `+442071234567`), losing the `+` and, saved
back, the country; quoted, it stays the text an import reads. The JSON Lines exports,
written for programs rather than spreadsheets, are not quoted.

To keep the quoting reversible, a cell that already starts with quotes followed by one
of those characters (`'=x`) gets one more; restoring takes exactly one off.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _starts_a_formula(text: str) -> bool:
    return text.lstrip(QUOTE)[:1] in FORMULA_STARTS


def neutralize_csv_cell(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs: `'` in front when it could start a formula."""
    return QUOTE + text if _starts_a_formula(text) else text


def restore_csv_cell(text: str) -> str:
    """The inverse of neutralize_csv_cell: the cell's text as it was before export."""
    if text.startswith(QUOTE) and _starts_a_formula(text[1:]):
        return text[1:]
    return text

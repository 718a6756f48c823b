"""How a Finnish invoice is paid: the reference number, the IBAN and the virtual barcode.

Pure functions, no database: the Finnish reference (viitenumero, check digit by the weights
7-3-1), the RF creditor reference of ISO 11649 (mod 97), the IBAN check (ISO 13616, mod 97),
and the virtuaaliviivakoodi of Finance Finland's bank barcode guide (Pankkiviivakoodi-opas):
version 4 carries a Finnish reference, version 5 an RF reference.
"""
import re
from datetime import date

_WEIGHTS = (7, 3, 1)
# A Finnish reference is 4-20 digits with its check digit; RF + 2 check digits + 1-21 characters.
# Digits are ASCII: \d (and int()) would take other scripts' digits, which no bank reads.
_FINNISH = re.compile(r"[0-9]{4,20}")
_RF = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}")
# The barcode's amount field holds at most 999 999,99 €; a larger amount is given as zeros.
_BARCODE_MAX_CENTS = 99_999_999


def compact(text: str) -> str:
    """'RF18 5390 0754 7034' -> 'RF18539007547034': spaces are only for reading."""
    return re.sub(r"\s+", "", text or "").upper()


def reference_of(text: str) -> str:
    """A reference number as stored and compared: compact, without the leading zeros the bank barcode
    pads it with anyway ("0055113968" and "55113968", "RF940077113962" and "RF9477113962" pay alike)."""
    value = compact(text)
    if value.startswith("RF"):
        return value[:4] + (value[4:].lstrip("0") or "0")
    return value.lstrip("0") or "0"


def finnish_check_digit(base: str) -> int:
    """The check digit of a Finnish reference's base: the digits weighted 7, 3, 1, 7, ... from
    the right, summed; the check digit brings the sum up to the next ten (0 if it is one)."""
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return -total % 10


def finnish_reference(base: str) -> str:
    """The reference of a base of 3-19 digits, with its check digit appended."""
    if not re.fullmatch(r"[0-9]{3,19}", base):
        raise ValueError("A reference base is 3-19 digits.")
    return base + str(finnish_check_digit(base))


def _mod97(text: str) -> int:
    """Letters as 10..35 (A..Z), the whole as one number, mod 97 (ISO 7064 MOD 97-10)."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def rf_reference(body: str) -> str:
    """The RF creditor reference (ISO 11649) of a body of 1-21 letters and digits, e.g. a Finnish
    reference: RF, two check digits making the whole 1 mod 97, the body."""
    body = compact(body)
    if not re.fullmatch(r"[0-9A-Z]{1,21}", body):
        raise ValueError("An RF reference's body is 1-21 letters and digits.")
    return f"RF{98 - _mod97(body + 'RF00'):02d}{body}"


def is_valid_reference(text: str) -> bool:
    """A Finnish reference with a right check digit, or an RF reference that checks (mod 97 = 1)."""
    reference = compact(text)
    if _FINNISH.fullmatch(reference):
        return int(reference[-1]) == finnish_check_digit(reference[:-1])
    if _RF.fullmatch(reference):
        return _mod97(reference[4:] + reference[:4]) == 1
    return False


def is_valid_iban(text: str) -> bool:
    """An IBAN whose check digits hold (the country's first four characters moved to the end, mod 97 = 1)."""
    iban = compact(text)
    return bool(_IBAN.fullmatch(iban)) and _mod97(iban[4:] + iban[:4]) == 1


def grouped(text: str) -> str:
    """In groups of four, as an IBAN or RF reference is printed; a Finnish reference in groups of
    five from the right, as on Finnish giro slips."""
    value = compact(text)
    if value.isdigit():
        head = len(value) % 5
        return " ".join(([value[:head]] if head else []) + [value[i:i + 5] for i in range(head, len(value), 5)])
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def virtual_barcode(iban: str, amount_cents: int, reference: str, due: date | None) -> str | None:
    """The 54-digit virtuaaliviivakoodi a customer pastes into their online bank.

    Version 4 (Finnish reference): 4 · the IBAN's 16 digits · euros (6) · cents (2) · 000 ·
    the reference (20, zeros before) · due date YYMMDD. Version 5 (RF reference): 5 · IBAN (16)
    · euros (6) · cents (2) · the RF check digits (2) · the body (21, zeros before) · due date.
    No due date, or an amount over 999 999,99 €, is given as zeros, as the guide says.
    None when the barcode cannot carry the payment: a foreign IBAN or an RF reference with letters.
    """
    iban, reference = compact(iban), compact(reference)
    if not (iban.startswith("FI") and len(iban) == 18 and is_valid_iban(iban) and is_valid_reference(reference)):
        return None
    cents = amount_cents if 0 <= amount_cents <= _BARCODE_MAX_CENTS else 0
    amount = f"{cents // 100:06d}{cents % 100:02d}"
    due_text = due.strftime("%y%m%d") if due else "000000"
    if reference.startswith("RF"):
        if not reference[4:].isdigit():
            return None
        return f"5{iban[2:]}{amount}{reference[2:4]}{reference[4:]:0>21}{due_text}"
    return f"4{iban[2:]}{amount}000{reference:0>20}{due_text}"

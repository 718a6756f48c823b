"""The reference number, IBAN and virtual barcode functions, against the published examples.

Sources: Finance Finland (Finanssiala), "Pankkiviivakoodi-opas" (the bank barcode guide), its
section of example barcodes (tilinumero FI79 4405 2020 0360 82, 4 883,15 €, eräpäivä 12.6.2010,
viite 86851 62596 19897 or RF09 8685 1625 9619 897), whose two 54-digit strings below were compared
digit by digit with the guide's examples as quoted (the version 5.3 guide's "Lasku 1") in several
independent published barcode libraries' tests; Finance Finland's reference-number guide
("Kotimaisen viitteen rakenneohje": base 123456 -> 1234561); ISO 11649's own example
RF18 5390 0754 7034; the IBAN registry's example for Finland, FI21 1234 5600 0007 85.
"""
from datetime import date

import pytest

from app.services import payments

GUIDE_IBAN = "FI79 4405 2020 0360 82"
GUIDE_DUE = date(2010, 6, 12)


def test_finnish_reference_check_digit_is_weighted_7_3_1_from_the_right():
    assert payments.finnish_reference("123456") == "1234561"
    assert payments.finnish_reference("86851625961989") == "868516259619897"
    # A sum that is already a ten gives the check digit 0, not 10.
    assert payments.finnish_reference("550") == "5500" and payments.finnish_reference("100") == "1009"


@pytest.mark.parametrize("base", ["12", "1" * 20, "12a4", ""])
def test_finnish_reference_base_must_be_3_to_19_digits(base):
    with pytest.raises(ValueError):
        payments.finnish_reference(base)


def test_rf_reference_is_iso_11649():
    assert payments.rf_reference("539007547034") == "RF18539007547034"
    assert payments.rf_reference("868516259619897") == "RF09868516259619897"
    assert payments.rf_reference("539 007 547 034") == "RF18539007547034"  # spaces are only presentation
    with pytest.raises(ValueError):
        payments.rf_reference("1" * 22)


@pytest.mark.parametrize("reference", ["1234561", "86851 62596 19897", "RF18 5390 0754 7034", "rf18539007547034",
                                       "RF09 8685 1625 9619 897", payments.rf_reference("ABC123")])
def test_valid_references(reference):
    assert payments.is_valid_reference(reference)


@pytest.mark.parametrize("reference", ["1234562", "123", "1" * 21, "RF19539007547034", "RF18539007547035",
                                       "RF18", "12 34 5x", "", "RF00" + "1" * 22])
def test_invalid_references(reference):
    assert not payments.is_valid_reference(reference)


def test_every_single_digit_error_in_a_reference_is_caught():
    reference = "868516259619897"
    for position in range(len(reference)):
        for digit in "0123456789":
            changed = reference[:position] + digit + reference[position + 1:]
            assert payments.is_valid_reference(changed) == (changed == reference)


def test_iban_check_digits():
    assert payments.is_valid_iban("FI21 1234 5600 0007 85")
    assert payments.is_valid_iban(GUIDE_IBAN) and payments.is_valid_iban("DE89370400440532013000")
    assert not payments.is_valid_iban("FI21 1234 5600 0007 86")
    assert not payments.is_valid_iban("FI2112345600000785X") and not payments.is_valid_iban("")


def test_grouped_as_printed():
    assert payments.grouped("868516259619897") == "86851 62596 19897"
    assert payments.grouped("1234561") == "12 34561"
    assert payments.grouped("fi7944052020036082") == "FI79 4405 2020 0360 82"


def test_version_4_barcode_is_the_guides_example():
    code = payments.virtual_barcode(GUIDE_IBAN, 488315, "86851 62596 19897", GUIDE_DUE)
    assert code == "479440520200360820048831500000000868516259619897100612"


def test_version_5_barcode_is_the_guides_example():
    code = payments.virtual_barcode(GUIDE_IBAN, 488315, "RF09 8685 1625 9619 897", GUIDE_DUE)
    assert code == "579440520200360820048831509000000868516259619897100612"


def test_barcode_fields_at_their_positions():
    code = payments.virtual_barcode("FI21 1234 5600 0007 85", 12_345_678, "1234561", None)
    assert len(code) == 54 and code.isdigit()
    assert code[0] == "4" and code[1:17] == "2112345600000785"
    assert code[17:23] == "123456" and code[23:25] == "78" and code[25:28] == "000"
    assert code[28:48].lstrip("0") == "1234561" and code[48:] == "000000"
    rf = payments.virtual_barcode("FI21 1234 5600 0007 85", 5, "RF18539007547034", date(2027, 1, 31))
    assert len(rf) == 54 and rf[0] == "5" and rf[17:25] == "00000005"
    assert "RF" + rf[25:27] + rf[27:48].lstrip("0") == "RF18539007547034" and rf[48:] == "270131"


def test_barcode_amount_over_the_field_is_zeros():
    code = payments.virtual_barcode(GUIDE_IBAN, 100_000_000, "1234561", GUIDE_DUE)
    assert code[17:25] == "00000000"


def test_no_barcode_for_what_it_cannot_carry():
    assert payments.virtual_barcode("DE89370400440532013000", 100, "1234561", None) is None
    assert payments.virtual_barcode(GUIDE_IBAN, 100, payments.rf_reference("ABC123"), None) is None
    assert payments.virtual_barcode(GUIDE_IBAN, 100, "1234562", None) is None
    assert payments.virtual_barcode("FI21 1234 5600 0007 86", 100, "1234561", None) is None


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_other_scripts_digits_are_no_reference_nor_iban():
    """int() reads "٣" as 3, so a checksum alone would pass them; no bank reads them."""
    reference, rf, iban = payments.finnish_reference("1234561"), payments.rf_reference("1234561"), "FI2112345600000785"
    assert payments.is_valid_reference(reference) and payments.is_valid_reference(rf) and payments.is_valid_iban(iban)
    assert not payments.is_valid_reference(reference.translate(ARABIC_INDIC))
    assert not payments.is_valid_reference(rf.translate(ARABIC_INDIC))
    assert not payments.is_valid_iban(iban.translate(ARABIC_INDIC))
    with pytest.raises(ValueError):
        payments.finnish_reference("123456".translate(ARABIC_INDIC))

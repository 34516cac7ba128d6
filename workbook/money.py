"""Money cells in the sheet's own unit: a £'000 sheet is written and read in
thousands, and its messages speak of £000, never of pounds."""

from decimal import Decimal, InvalidOperation, Overflow

from django import forms

from . import layout as L


def unit(in_thousands: bool) -> str:
    return "£000" if in_thousands else "£"


def in_pounds(raw: str, in_thousands: bool) -> str | None:
    """The typed figure as pounds, for the page's money field: None where it is too
    large to multiply; text that is not a number is passed on for the field to name."""
    if raw in ("", None) or not in_thousands:
        return raw
    try:
        figure = Decimal(raw.replace(",", "").replace(" ", "").removeprefix("£"))
        return str((figure * L.THOUSAND).quantize(Decimal("0.01")))
    except InvalidOperation:
        return raw
    except Overflow:  # e.g. 1E+999999999: beyond what Decimal can multiply
        return None


def messages(in_thousands: bool) -> dict[str, str]:
    """What the page's money field says, by error code, in the sheet's unit."""
    if in_thousands:
        return {
            "required": "enter the amount in £000",
            "invalid": "enter the amount in £000 as a number, like 1234.567",
            "min_value": "enter an amount of 0 or more (£000)",
            "max_value": "enter an amount under 1,000,000,000 (£000, so under £1 trillion)",
            "max_digits": "enter an amount under 1,000,000,000 (£000, so under £1 trillion)",
            "max_whole_digits": "enter an amount under 1,000,000,000 (£000, so under £1 trillion)",
            "max_decimal_places": "enter the amount to the pound: at most 3 decimal places in £000",
        }
    return {
        "required": "enter the amount in pounds",
        "invalid": "enter the amount in pounds as a number, like 1234567.89",
        "min_value": "enter an amount of £0 or more",
        "max_value": "enter an amount under £1 trillion",
        "max_digits": "enter an amount under £1 trillion",
        "max_whole_digits": "enter an amount under £1 trillion",
        "max_decimal_places": "enter the amount to the penny, with at most 2 decimal places",
    }


def message(error: forms.ValidationError, in_thousands: bool) -> str:
    """One message for a money cell the page's field refused, in the sheet's unit."""
    known = messages(in_thousands)
    for each in error.error_list:
        if each.code in known:
            return known[each.code]
    return error.messages[0] if error.messages else known["invalid"]


def too_large(raw: str, in_thousands: bool) -> str:
    return (
        f"'{raw[:20]}' is far larger than any amount in a plan: "
        + messages(in_thousands)["max_value"]
    )

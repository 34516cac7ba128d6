"""Where on the finance page each finding points (its `where`). The rules write these
and the summary's checks read them back, so both use the same functions."""


def income(year: int) -> str:
    return f"finance#income-{year}"


def expenditure(year: int) -> str:
    return f"finance#expenditure-{year}"


def source(year: int, code: str) -> str:
    return f"finance#source-{year}-{code}"


def minimum(rule_code: str, year: int) -> str:
    return f"finance#{rule_code}-{year}"


def dfg(year: int) -> str:
    return f"finance#dfg-{year}"

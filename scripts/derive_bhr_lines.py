"""Derive pound-level BHR 2017-19 demo lines from the seed's rounded tables.

The BHR joint narrative prints its finance in £'000 (tables 8.1, 8.3, 8.4) and the
two ring-fence tables (8.5.1, 8.5.2) in whole pounds. No single table holds lines at
scheme x borough x funding source, so this script solves for them: a small integer
programme finds amounts in pounds whose sums round to every printed figure, meet the
8.5 actuals to the pound, and balance income and expenditure per source and borough.
Where the seed contradicts itself no solution can match every figure; the programme
then misses the fewest printed figures by the least money and reports which.

Run once by a developer (needs scipy, which the app does not):
    python scripts/derive_bhr_lines.py | sed -n "/^{/,$p" > demo/data/bhr_finance.json
(HiGHS may print progress lines before the JSON.)
"""

import json
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

BOROUGHS = ["barking-and-dagenham", "havering", "redbridge"]
GROUPS = ["CCG", "IBCF", "LA"]  # table 8.3 columns

# theme -> scheme -> (8.3 CCG, iBCF, LA), (8.4 B&D, Havering, Redbridge); £'000
TABLES = {
    "2017/18": {
        "High Impact Change Model": {
            "Discharge Team": ((2209, 249, 0), (651, 849, 958)),
            "Enablers for integration": ((0, 1117, 0), (1117, 0, 0)),
            "Home First": ((0, 433, 0), (0, 433, 0)),
            "Intermediate care": ((18895, 121, 702), (7888, 6124, 5706)),
            "Locality Teams": ((9236, 0, 0), (0, 5636, 3599)),
            "Mental Health": ((1045, 0, 100), (928, 0, 217)),
        },
        "Market Development & Sustainability": {
            "Placement Pressures": ((0, 751, 0), (0, 751, 0)),
            "Provider Rate Reviews": ((0, 4981, 0), (1592, 980, 2409)),
        },
        "Prevention & Managing Demand": {
            "Assistive Technologies": ((0, 158, 470), (470, 158, 0)),
            "Care Act": ((0, 360, 0), (0, 0, 360)),
            "Carers": ((625, 0, 282), (777, 130, 0)),
            "Community Front Door": ((3406, 0, 0), (0, 0, 3406)),
            "Demand Management": ((2450, 171, 0), (0, 2621, 0)),
            "DFG": ((0, 0, 4765), (1391, 1553, 1822)),
            "Enablers for integration": ((641, 0, 0), (0, 0, 641)),
            "Equipment": ((187, 350, 0), (537, 0, 0)),
        },
        "Protecting Social Care & Maintaining Independence": {
            "Budget Protection": ((1723, 2868, 0), (1970, 2620, 0)),
            "Care Act": ((1260, 0, 0), (628, 632, 0)),
            "Carers": ((130, 0, 0), (0, 0, 130)),
            "End Of Life": ((105, 0, 0), (105, 0, 0)),
            "Locality Teams": ((0, 0, 672), (672, 0, 0)),
            "Packages of Care": ((4902, 2873, 0), (3034, 0, 4741)),
            "Supported Living": ((172, 0, 0), (0, 172, 0)),
        },
    },
    "2018/19": {
        "High Impact Change Model": {
            "Discharge Team": ((2166, 0, 0), (651, 600, 916)),
            "Enablers for integration": ((0, 1481, 0), (1481, 0, 0)),
            "Home First": ((0, 350, 0), (0, 350, 0)),
            "Intermediate care": ((17980, 180, 702), (8130, 6278, 4454)),
            "Locality Teams": ((10747, 0, 0), (0, 5756, 4991)),
            "Mental Health": ((1049, 0, 100), (928, 0, 221)),
        },
        "Market Development & Sustainability": {
            "Placement Pressures": ((0, 1292, 0), (0, 1292, 0)),
            "Provider Rate Reviews": ((0, 5650, 0), (2150, 500, 3000)),
        },
        "Prevention & Managing Demand": {
            "Assistive Technologies": ((0, 50, 470), (470, 50, 0)),
            "Care Act": ((0, 460, 0), (0, 0, 460)),
            "Carers": ((625, 0, 282), (777, 130, 0)),
            "Community Front Door": ((3531, 0, 0), (0, 0, 3531)),
            "Demand Management": ((1423, 200, 0), (0, 1623, 0)),
            "DFG": ((0, 0, 5181), (1517, 1680, 1984)),
            "Enablers for integration": ((653, 0, 0), (0, 0, 653)),
            "Equipment": ((187, 425, 0), (612, 0, 0)),
        },
        "Protecting Social Care & Maintaining Independence": {
            "Budget Protection": ((2841, 5320, 0), (3070, 5091, 0)),
            "Care Act": ((1284, 0, 0), (640, 644, 0)),
            "Carers": ((130, 0, 0), (0, 0, 130)),
            "End Of Life": ((105, 0, 0), (105, 0, 0)),
            "Locality Teams": ((0, 0, 672), (672, 0, 0)),
            "Packages of Care": ((4985, 4000, 0), (3034, 0, 5952)),
            "Supported Living": ((172, 0, 0), (0, 172, 0)),
        },
    },
}
THEME_ROWS = {
    "2017/18": {
        "High Impact Change Model": ((31385, 1920, 802, 34107), (10583, 13043, 10481)),
        "Market Development & Sustainability": ((0, 5732, 0, 5732), (1592, 1731, 2409)),
        "Prevention & Managing Demand": ((7309, 1039, 5517, 13865), (3174, 4462, 6229)),
        "Protecting Social Care & Maintaining Independence": (
            (8292, 5740, 672, 14705),
            (6409, 3424, 4871),
        ),
    },
    "2018/19": {
        "High Impact Change Model": ((31942, 2011, 802, 34755), (11191, 12983, 10582)),
        "Market Development & Sustainability": ((0, 6942, 0, 6942), (2150, 1792, 3000)),
        "Prevention & Managing Demand": ((6420, 1135, 5932, 13487), (3375, 3483, 6629)),
        "Protecting Social Care & Maintaining Independence": (
            (9517, 9320, 672, 19509),
            (7521, 5907, 6082),
        ),
    },
}
GRAND = {
    "2017/18": ((46986, 14432, 6991, 68408), (21759, 22660, 23990)),
    "2018/19": ((47878, 19409, 7406, 74693), (24237, 24165, 26292)),
}
# 8.1: DFG, CCG RNF, CCG non-RNF, additional LA, additional CCG, iBCF 2017,
# BCF total, additional budget allocation (iBCF spring budget), total
INCOME = {
    "2017/18": {
        "barking-and-dagenham": (1391, 4333, 9082, 1524, 0, 1044, 17374, 4385, 21759),
        "havering": (1553, 4773, 11872, 702, 0, 0, 18900, 3761, 22661),
        "redbridge": (1822, 5296, 11630, 0, 0, 360, 19107, 4882, 23990),
        "total": (4765, 14402, 32584, 2226, 0, 1404, 55381, 13028, 68409),
    },
    "2018/19": {
        "barking-and-dagenham": (1517, 4416, 9254, 1524, 0, 4910, 21620, 2616, 24236),
        "havering": (1680, 4864, 12097, 702, 0, 1978, 21321, 2844, 24165),
        "redbridge": (1984, 5397, 11851, 0, 0, 3886, 23118, 3175, 26293),
        "total": (5181, 14676, 33202, 2226, 0, 10774, 66058, 8635, 74693),
    },
}
INCOME_SOURCES = [
    "DFG",
    "CCG_MIN_RNF",
    "CCG_MIN_NON_RNF",
    "LA_ADD",
    "CCG_ADD",
    "IBCF_GRANT",
    "IBCF_SPRING",
]
INCOME_COLUMNS = [0, 1, 2, 3, 4, 5, 7]  # where each source sits in an 8.1 row
# 8.5.2 protection of social care and 8.5.1 out-of-hospital actuals, in pounds
SOCIAL_CARE = {"2017/18": (4970629, 6270264, 6645094), "2018/19": (5065072, 6389399, 6771351)}
OUT_OF_HOSPITAL = {
    "2017/18": (8244390, 10374057, 10150985),
    "2018/19": (8416940, 10571163, 10346234),
}

# 6.2 prints B&D 2018/19 as £1.577m; 8.1, 8.3 and 8.4 all agree on 1,517 (£'000).
DFG_ALLOCATION = {"2017/18": (1391000, 1553000, 1822000), "2018/19": (1517000, 1680000, 1984000)}
AREAS = ["SC", "OOH", "ACUTE"]  # only CCG minimum lines choose an area
MIN_LINE = 5000


def solve_year(year):
    schemes = [(t, s) for t, rows in TABLES[year].items() for s in rows]
    var = []  # (theme, scheme, borough, source, area)
    for theme, scheme in schemes:
        by_group, by_borough = TABLES[year][theme][scheme]
        for bi, b in enumerate(BOROUGHS):
            if not by_borough[bi]:
                continue
            if by_group[0]:
                for a in AREAS:
                    var.append((theme, scheme, b, "CCG_MIN", a))
            if by_group[1]:
                var.append((theme, scheme, b, "IBCF", "SC"))
            if by_group[2]:
                var.append((theme, scheme, b, "DFG" if scheme == "DFG" else "LA_ADD", "SC"))
    n_x = len(var)
    income_vars = [(b, src) for b in BOROUGHS for src in INCOME_SOURCES]
    n_y = len(income_vars)
    rows, lo, hi, soft = [], [], [], []  # soft: label for a rounded (printed) figure

    def add(coeffs, low, high, label=None):
        rows.append(coeffs)
        lo.append(low)
        hi.append(high)
        soft.append(label)

    def x_where(pred):
        return {i: 1 for i, v in enumerate(var) if pred(*v)}

    def printed(coeffs, value, label):
        add(coeffs, value * 1000 - 500, value * 1000 + 499, label)

    group_of = {"CCG_MIN": 0, "IBCF": 1, "DFG": 2, "LA_ADD": 2}
    for theme, scheme in schemes:
        by_group, by_borough = TABLES[year][theme][scheme]
        for g in range(3):
            if by_group[g]:
                printed(
                    x_where(
                        lambda t, s, b, f, a, g=g, th=theme, sc=scheme: (
                            t == th and s == sc and group_of[f] == g
                        )
                    ),
                    by_group[g],
                    f"8.3 {theme} / {scheme} / {GROUPS[g]}",
                )
        for bi, bn in enumerate(BOROUGHS):
            if by_borough[bi]:
                printed(
                    x_where(
                        lambda t, s, b, f, a, bn=bn, th=theme, sc=scheme: (
                            t == th and s == sc and b == bn
                        )
                    ),
                    by_borough[bi],
                    f"8.4 {theme} / {scheme} / {bn}",
                )
        printed(
            x_where(lambda t, s, b, f, a, th=theme, sc=scheme: t == th and s == sc),
            sum(by_group),
            f"8.3 {theme} / {scheme} / total",
        )
    for theme, (by_group, by_borough) in THEME_ROWS[year].items():
        for g in range(3):
            printed(
                x_where(lambda t, s, b, f, a, g=g, th=theme: t == th and group_of[f] == g),
                by_group[g],
                f"8.3 {theme} / {GROUPS[g]}",
            )
        printed(
            x_where(lambda t, s, b, f, a, th=theme: t == th), by_group[3], f"8.3 {theme} / total"
        )
        for bi, bn in enumerate(BOROUGHS):
            printed(
                x_where(lambda t, s, b, f, a, th=theme, bn=bn: t == th and b == bn),
                by_borough[bi],
                f"8.4 {theme} / {bn}",
            )
    by_group, by_borough = GRAND[year]
    for g in range(3):
        printed(
            x_where(lambda t, s, b, f, a, g=g: group_of[f] == g),
            by_group[g],
            f"8.3 grand total / {GROUPS[g]}",
        )
    printed(x_where(lambda t, s, b, f, a: True), by_group[3], "8.3 grand total")
    for bi, bn in enumerate(BOROUGHS):
        printed(
            x_where(lambda t, s, b, f, a, bn=bn: b == bn), by_borough[bi], f"8.4 grand total / {bn}"
        )

    def y(b, src):
        return n_x + income_vars.index((b, src))

    spend_source_of = {
        "DFG": ["DFG"],
        "CCG_MIN": ["CCG_MIN_RNF", "CCG_MIN_NON_RNF"],
        "LA_ADD": ["LA_ADD"],
        "IBCF": ["IBCF_GRANT", "IBCF_SPRING"],
    }
    for bi, bn in enumerate(BOROUGHS):
        # income = expenditure per borough and source, to the penny (rule 3)
        for spend, incomes in spend_source_of.items():
            coeffs = {i: 1 for i, v in enumerate(var) if v[2] == bn and v[3] == spend}
            for src in incomes:
                coeffs[y(bn, src)] = -1
            add(coeffs, 0, 0)
        add({y(bn, "CCG_ADD"): 1}, 0, 0)
        # The DFG is a published allocation (section 6.2, in £m to three places).
        dfg = DFG_ALLOCATION[year][bi]
        add({y(bn, "DFG"): 1}, dfg, dfg)
        inc = INCOME[year][bn]
        for k, src in zip(INCOME_COLUMNS, INCOME_SOURCES, strict=True):
            printed({y(bn, src): 1}, inc[k], f"8.1 {bn} / {src}")
        printed({y(bn, s): 1 for s in INCOME_SOURCES[:6]}, inc[6], f"8.1 {bn} / BCF total")
        printed({y(bn, s): 1 for s in INCOME_SOURCES}, inc[8], f"8.1 {bn} / total")
        add(
            x_where(lambda t, s, b, f, a, bn=bn: b == bn and f == "CCG_MIN" and a == "SC"),
            SOCIAL_CARE[year][bi],
            SOCIAL_CARE[year][bi],
        )
        add(
            x_where(lambda t, s, b, f, a, bn=bn: b == bn and f == "CCG_MIN" and a == "OOH"),
            OUT_OF_HOSPITAL[year][bi],
            OUT_OF_HOSPITAL[year][bi],
        )
    tot = INCOME[year]["total"]
    for k, src in zip(INCOME_COLUMNS, INCOME_SOURCES, strict=True):
        printed({y(b, src): 1 for b in BOROUGHS}, tot[k], f"8.1 total / {src}")
    printed(
        {y(b, s): 1 for b in BOROUGHS for s in INCOME_SOURCES[:6]}, tot[6], "8.1 total / BCF total"
    )
    printed({y(b, s): 1 for b in BOROUGHS for s in INCOME_SOURCES}, tot[8], "8.1 total / total")

    # variables: x (pounds), y (pounds), z (line used, binary), slack+/- per soft row
    soft_rows = [i for i, s in enumerate(soft) if s]
    n_s = len(soft_rows)
    n = n_x + n_y + n_x + 2 * n_s
    a_mat, lo_v, hi_v = [], [], []
    for r, coeffs in enumerate(rows):
        row = np.zeros(n)
        for i, c in coeffs.items():
            row[i] = c
        if soft[r]:
            k = soft_rows.index(r)
            row[n_x + n_y + n_x + 2 * k] = 1  # slack up
            row[n_x + n_y + n_x + 2 * k + 1] = -1  # slack down
        a_mat.append(row)
        lo_v.append(lo[r])
        hi_v.append(hi[r])
    big = 30_000_000
    for i in range(n_x):  # MIN_LINE * z <= x <= big * z
        row = np.zeros(n)
        row[i] = 1
        row[n_x + n_y + i] = -big
        a_mat.append(row)
        lo_v.append(-np.inf)
        hi_v.append(0)
        row = np.zeros(n)
        row[i] = 1
        row[n_x + n_y + i] = -MIN_LINE
        a_mat.append(row)
        lo_v.append(0)
        hi_v.append(np.inf)
    cost = np.zeros(n)
    for i, (theme, scheme, _b, f, a) in enumerate(var):
        natural = "SC" if theme.startswith("Protecting") else "OOH"
        if scheme == "Discharge Team":
            natural = "ACUTE" if a == "ACUTE" else natural
        if f == "CCG_MIN" and a != natural:
            cost[i] = 1e-4
        cost[n_x + n_y + i] = 10  # prefer fewer lines
    # A missed printed figure costs most; the spending tables (8.3, 8.4) outrank the
    # allocation table (8.1) where the seed contradicts itself.
    for k, r in enumerate(soft_rows):
        weight = 100 if soft[r].startswith("8.1") else 1000
        cost[n_x + n_y + n_x + 2 * k : n_x + n_y + n_x + 2 * k + 2] = weight
    integrality = np.ones(n)
    upper = np.full(n, np.inf)
    upper[n_x + n_y : n_x + n_y + n_x] = 1
    res = milp(
        cost,
        constraints=LinearConstraint(np.array(a_mat), lo_v, hi_v),
        integrality=integrality,
        bounds=Bounds(np.zeros(n), upper),
        options={"time_limit": 120},
    )
    if res.x is None:
        sys.exit(f"{year}: {res.message}")
    sol = np.round(res.x).astype(int)
    misses = []
    for k, r in enumerate(soft_rows):
        up, down = sol[n_x + n_y + n_x + 2 * k], sol[n_x + n_y + n_x + 2 * k + 1]
        if up or down:
            misses.append({"figure": soft[r], "off_by_pounds": int(up - down)})
    lines = [
        dict(
            zip(["theme", "scheme", "area", "source", "spend"], v, strict=True), amount=int(sol[i])
        )
        for i, v in enumerate(var)
        if sol[i]
    ]
    income = [
        {"area": b, "source": src, "amount": int(sol[n_x + j])}
        for j, (b, src) in enumerate(income_vars)
        if sol[n_x + j]
    ]
    return {"expenditure": lines, "income": income, "unmatched_printed_figures": misses}


if __name__ == "__main__":
    out = {year: solve_year(year) for year in TABLES}
    json.dump(out, sys.stdout, indent=1)
    for year, data in out.items():
        print(
            year,
            len(data["expenditure"]),
            "lines; misses:",
            data["unmatched_printed_figures"],
            file=sys.stderr,
        )

"""Hostile and broken workbooks, made from a real downloaded template by editing its
zip and XML directly (never through openpyxl, which would tidy the damage away).

`KINDS` maps a name to (make, message, status): `make(template bytes) -> bytes`, a
phrase the upload page must show for it, and the status the page must answer with.
"""

import io
import os
import re
import struct
import zipfile

INCOME = "xl/worksheets/sheet2.xml"
EXPENDITURE = "xl/worksheets/sheet3.xml"
METRICS = "xl/worksheets/sheet4.xml"
META = "xl/worksheets/sheet10.xml"  # after the Checklist
WORKBOOK = "xl/workbook.xml"
CONTENT_TYPES = "[Content_Types].xml"

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


# -- zip and XML editing ------------------------------------------------------------
def rezip(data, change=None, add=None, drop=()):
    """A copy of the zip with some members' bytes changed (`change`: name ->
    function(bytes) -> bytes), members added (`add`: name -> bytes) or dropped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename in drop:
                continue
            content = source.read(item.filename)
            if change and item.filename in change:
                content = change[item.filename](content)
            target.writestr(item, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def edit(member, function):
    return lambda data: rezip(data, {member: function})


def replace_cell(member, ref, xml):
    """Replace one cell element (`<c r="O4" …>…</c>` or `<c r="O4" … />`)."""
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)'.encode(), re.S)

    def change(content):
        new, count = pattern.subn(xml.encode(), content, count=1)
        assert count == 1, f"no cell {ref} in {member}"
        return new

    return edit(member, change)


def defined_name(name, target):
    def change(content):
        pattern = re.compile(rf'(<definedName name="{name}">)[^<]*(</definedName>)'.encode())
        new, count = pattern.subn(rb"\g<1>" + target.encode() + rb"\g<2>", content)
        assert count == 1, f"no defined name {name}"
        return new

    return edit(WORKBOOK, change)


def prolog(member, doctype, body_entity=None):
    """Put a DOCTYPE before the root element (and use an entity in a cell)."""

    def change(content):
        content = re.sub(rb"^<\?xml[^>]*\?>", b"", content)
        if body_entity:
            content = content.replace(b"<t>H1</t>", f"<t>&{body_entity};</t>".encode(), 1)
        return doctype.encode() + content

    return edit(member, change)


def utf16_doctype(member):
    def change(content):
        text = content.decode()
        text = re.sub(r"^<\?xml[^>]*\?>", "", text)
        return ('<?xml version="1.0" encoding="UTF-16"?>' + EXTERNAL_ENTITY[21:] + text).encode(
            "utf-16"
        )

    return edit(member, change)


def central_directory(data):
    """(offset of each central directory entry, its file name)."""
    end = data.rindex(b"PK\x05\x06")
    count, _size, start = struct.unpack("<HII", data[end + 10 : end + 20])
    entries, offset = [], start
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[offset + 28 : offset + 34])
        entries.append((offset, data[offset + 46 : offset + 46 + name_len].decode()))
        offset += 46 + name_len + extra_len + comment_len
    return entries


def patch_entry(member, field_offset, fmt, function):
    """Change one field of a member's central directory entry (CRC at 16, sizes at 20
    and 24, flags at 8, compression method at 10)."""

    def make(data):
        data = bytearray(data)
        [offset] = [o for o, name in central_directory(bytes(data)) if name == member]
        width = struct.calcsize(fmt)
        position = offset + field_offset
        (value,) = struct.unpack(fmt, data[position : position + width])
        data[position : position + width] = struct.pack(fmt, function(value))
        return bytes(data)

    return make


def many_members(count):
    return lambda data: rezip(data, add={f"customXml/item{n}.xml": b"<a/>" for n in range(count)})


def stored_random(size):
    """A member that does not compress, so the upload itself is `size` bytes."""

    def make(data):
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
            for item in source.infolist():
                target.writestr(item.filename, source.read(item.filename))
            target.writestr("docProps/noise.bin", os.urandom(size))
        return out.getvalue()

    return make


def not_a_workbook(_data):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("readme.txt", "Minutes of the board meeting")
    return out.getvalue()


def constant(content):
    return lambda _data: content


CELL_NOT_NUMBER = "is stored as a number but holds"
DAMAGED_FILE = "The file is damaged"
DAMAGED_SHEET = "is damaged and cannot be read"
UNSAFE = "parts Excel never writes"
NOT_TEMPLATE = "This is not a BCF Plans planning template"
DELETED_CELL = "points at a cell that was deleted"
MISSING_SHEET = "points at a sheet that is not in the workbook"
NOT_XLSX = "This is not an Excel workbook"

KINDS = {
    # -- 12: values openpyxl cannot cast (raised lazily, while rows are read)
    "text in a number cell (raw XML)": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" s="5" t="n"><v>abc</v></c>'),
        CELL_NOT_NUMBER,
        400,
    ),
    "NaN in a number cell": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" s="5" t="n"><v>NaN</v></c>'),
        CELL_NOT_NUMBER,
        400,
    ),
    "text in a metric number cell": (
        replace_cell(METRICS, "E4", '<c r="E4" s="6" t="n"><v>lots</v></c>'),
        CELL_NOT_NUMBER,
        400,
    ),
    "text in the stamp's version cell": (
        replace_cell(META, "B3", '<c r="B3" t="n"><v>one</v></c>'),
        "hidden stamp (bcf_version) is damaged",
        400,
    ),
    "number too large for a float": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" s="5" t="n"><v>1E999</v></c>'),
        "enter the amount in £000",
        400,
    ),
    "1E+999999999 as text in an amount cell": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" t="inlineStr"><is><t>1E+999999999</t></is></c>'),
        "far larger than any amount",
        400,
    ),
    "1E+999999999 as text in an income cell": (
        replace_cell(INCOME, "C4", '<c r="C4" t="inlineStr"><is><t>1E+999999999</t></is></c>'),
        "far larger than any amount",
        400,
    ),
    "1E+999999999 as text in a metric cell": (
        replace_cell(METRICS, "AB4", '<c r="AB4" t="inlineStr"><is><t>1E+999999999</t></is></c>'),
        "Metrics",
        400,
    ),
    "shared-string index out of range": (
        replace_cell(EXPENDITURE, "A4", '<c r="A4" t="s"><v>99</v></c>'),
        "refers to text that is missing from the workbook",
        400,
    ),
    "shared-string index that is not a number": (
        replace_cell(EXPENDITURE, "A4", '<c r="A4" t="s"><v>first</v></c>'),
        "refers to text that is missing from the workbook",
        400,
    ),
    "TRUE/FALSE cell holding text": (
        replace_cell(EXPENDITURE, "G4", '<c r="G4" t="b"><v>maybe</v></c>'),
        "is stored as TRUE or FALSE but holds",
        400,
    ),
    "date cell that is not a date": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" t="d"><v>the first of April</v></c>'),
        "is stored as a date but holds",
        400,
    ),
    "cell reference that is not a cell": (
        replace_cell(EXPENDITURE, "O4", '<c r="O" t="n"><v>1</v></c>'),
        "is not a cell reference",
        400,
    ),
    "row number that is not a number": (
        edit(EXPENDITURE, lambda c: c.replace(b'<row r="4">', b'<row r="four">', 1)),
        "row number 'four'",
        400,
    ),
    # -- 12: defined names that point nowhere
    "stamp name pointing at #REF!": (defined_name("bcf_round", "#REF!"), DELETED_CELL, 400),
    "stamp name pointing at a deleted cell": (
        defined_name("bcf_area", "'_meta'!#REF!"),
        DELETED_CELL,
        400,
    ),
    "stamp name pointing at a missing sheet": (
        defined_name("bcf_version", "'Gone'!$B$3"),
        MISSING_SHEET,
        400,
    ),
    "stamp name pointing at a range": (
        defined_name("bcf_round", "'_meta'!$B$1:$B$3"),
        "should point at one cell",
        400,
    ),
    "table name pointing at #REF!": (
        defined_name("bcf_expenditure_header", "#REF!"),
        DELETED_CELL,
        400,
    ),
    "table name pointing at a missing sheet": (
        defined_name("bcf_income_header", "'Gone'!$A$3:$D$3"),
        MISSING_SHEET,
        400,
    ),
    "table name with an impossible range": (
        defined_name("bcf_metrics_header", "'Metrics'!$A$3:$ZZZZ$3"),
        "does not point at the table's header row",
        400,
    ),
    "defined name with an unclosed quote": (
        defined_name("bcf_round", "'_meta!$B$1"),
        "does not point at",
        400,
    ),
    # -- 12: entity declarations (billion laughs, external entities)
    "billion laughs in a sheet": (prolog(EXPENDITURE, BILLION_LAUGHS, "lol9"), UNSAFE, 400),
    "billion laughs in workbook.xml": (prolog(WORKBOOK, BILLION_LAUGHS), UNSAFE, 400),
    "external entity in a sheet": (prolog(EXPENDITURE, EXTERNAL_ENTITY, "xxe"), UNSAFE, 400),
    "external entity in workbook.xml": (prolog(WORKBOOK, EXTERNAL_ENTITY), UNSAFE, 400),
    "external entity in a UTF-16 sheet": (utf16_doctype(EXPENDITURE), UNSAFE, 400),
    "DOCTYPE in [Content_Types].xml": (
        prolog(CONTENT_TYPES, '<!DOCTYPE Types SYSTEM "http://example.invalid/t.dtd">'),
        UNSAFE,
        400,
    ),
    # -- 12: damaged zip members
    "bad CRC": (patch_entry(EXPENDITURE, 16, "<I", lambda crc: crc ^ 0xFFFF), DAMAGED_FILE, 400),
    "declared size smaller than the member": (
        patch_entry(EXPENDITURE, 24, "<I", lambda size: size // 2),
        DAMAGED_FILE,
        400,
    ),
    "declared size larger than the member": (
        patch_entry(WORKBOOK, 24, "<I", lambda size: size * 3),
        DAMAGED_FILE,
        400,
    ),
    "encrypted zip member": (
        patch_entry(EXPENDITURE, 8, "<H", lambda flags: flags | 1),
        "password",
        400,
    ),
    "unsupported compression method": (
        patch_entry(EXPENDITURE, 10, "<H", lambda _method: 9),
        "compression method Excel does not use",
        400,
    ),
    # -- 13: member limit, macros, external links
    "600 tiny extra members": (many_members(600), "holds 6", 400),
    "macro project (vbaProject.bin)": (
        lambda data: rezip(data, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}),
        "Macro-enabled workbooks are not accepted; save as .xlsx",
        400,
    ),
    "macro-enabled content type": (
        edit(
            CONTENT_TYPES,
            lambda c: c.replace(
                b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
            ).replace(
                b"application/vnd.openxmlformats-officedocument.ms-excel",
                b"application/vnd.ms-excel",
            ),
        ),
        "Macro-enabled workbooks are not accepted; save as .xlsx",
        400,
    ),
    "external links": (
        lambda data: rezip(data, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        "links to other workbooks",
        400,
    ),
    # -- broken XML and structure
    "sheet XML not well-formed": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" s="5" t="n"><v>600</c>'),
        DAMAGED_SHEET,
        400,
    ),
    "sheet XML cut short": (edit(EXPENDITURE, lambda c: c[: len(c) // 2]), DAMAGED_SHEET, 400),
    "workbook.xml not well-formed": (
        edit(WORKBOOK, lambda c: c.replace(b"</sheets>", b"</sheet>")),
        "The workbook is damaged",
        400,
    ),
    "sheet part missing": (
        lambda data: rezip(data, drop={EXPENDITURE}),
        "The Expenditure sheet is missing",
        400,
    ),
    "workbook.xml missing": (lambda data: rezip(data, drop={WORKBOOK}), NOT_XLSX, 400),
    "huge row number": (
        edit(
            EXPENDITURE,
            lambda c: c.replace(
                b"</sheetData>",
                b'<row r="1048000"><c r="A1048000" t="inlineStr"><is><t>x</t></is></c></row>'
                b"</sheetData>",
            ),
        ),
        "more than 20,000 rows",
        400,
    ),
    # -- values a finance officer could type
    "inline text where a number is expected": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" t="inlineStr"><is><t>lots</t></is></c>'),
        "enter the amount in £000",
        400,
    ),
    "date in an amount column": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" t="d"><v>2017-04-01T00:00:00</v></c>'),
        "holds a date",
        400,
    ),
    "error value in an amount cell": (
        replace_cell(EXPENDITURE, "O4", '<c r="O4" t="e"><v>#DIV/0!</v></c>'),
        "holds the error #DIV/0!",
        400,
    ),
    # -- not workbooks at all
    "empty file": (constant(b""), "The file is empty", 400),
    "old .xls (OLE) file": (
        constant(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096),
        "old .xls format",
        400,
    ),
    "zip that is not a workbook": (not_a_workbook, NOT_XLSX, 400),
    "over 10 MB": (stored_random(11 * 1024 * 1024), "larger than 10 MB", 413),
}

# Refused for size before the body is read: no record is kept.
NOT_KEPT = {"over 10 MB"}

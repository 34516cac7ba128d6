"""Checks on the raw file before any spreadsheet parser sees it."""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.utils import coordinate_to_tuple
from openpyxl.utils.datetime import from_ISO8601

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 500
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
# Excel never writes a document type or entity declaration; they are how "billion
# laughs" and external-entity attacks reach an XML parser. Parts may be UTF-8 or UTF-16.
DECLARATIONS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
OVERLAP = max(len(marker) for marker in DECLARATIONS)
CHUNK = 1024 * 1024
MACRO_CONTENT = b"macroenabled"  # e.g. application/vnd.ms-excel.sheet.macroEnabled.main+xml
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
AGAIN = "Save it again in Excel as .xlsx and upload it again."


@dataclass(frozen=True)
class Problem:
    """One problem with an upload: where it is, and what to do about it."""

    sheet: str
    section: str
    cell: str
    message: str

    def as_row(self):
        return [self.sheet, self.section, self.cell, self.message]


def whole_file(message):
    return Problem("", "File", "", message)


def check_file(data):
    """[Problem] if the bytes are not a safe .xlsx to open, else []."""
    if len(data) > MAX_UPLOAD_BYTES:
        return [
            whole_file(
                f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 1_048_576} MB."
            )
        ]
    if not data:
        return [whole_file("The file is empty. Choose the completed template and upload it again.")]
    if data.startswith(OLE_MAGIC):
        return [
            whole_file(
                "The file is password-protected or in the old .xls format. "
                "Remove any password, save it as an Excel workbook (.xlsx) and "
                "upload it again."
            )
        ]
    if not data.startswith(b"PK"):
        return [
            whole_file(
                "This is not an Excel workbook (.xlsx). If you saved it as CSV or "
                "another format, download the template again and use that."
            )
        ]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return [
            whole_file(
                "The file is damaged and cannot be opened. Save it again in "
                "Excel as .xlsx and upload it again."
            )
        ]
    if len(members) > MAX_MEMBERS:
        return [
            whole_file(
                f"The file holds {len(members):,} parts; a workbook made from the template "
                f"has about 20 and the limit is {MAX_MEMBERS}, so it was not opened. "
                "Download the template again and copy your figures into it."
            )
        ]
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        return [
            whole_file(
                "The workbook expands to more than "
                f"{MAX_UNCOMPRESSED_BYTES // 1_048_576} MB, far more than a plan "
                "needs, so it was not opened."
            )
        ]
    names = {m.filename.lower() for m in members}
    if "xl/workbook.xml" not in names:
        return [whole_file("This is not an Excel workbook (.xlsx).")]
    if any(name.endswith("vbaproject.bin") or name.startswith("xl/macrosheets/") for name in names):
        return [whole_file(MACROS)]
    if any(name.startswith("xl/externallinks/") for name in names):
        return [whole_file(EXTERNAL_LINKS)]
    return _read_members(archive, members)


MACROS = (
    "Macro-enabled workbooks are not accepted; save as .xlsx (Excel Workbook), without "
    "macros, and upload it again."
)
EXTERNAL_LINKS = (
    "The workbook links to other workbooks (external links), which are not accepted. "
    "Break the links in Excel (Data, Edit Links, Break Link), save it as .xlsx and "
    "upload it again."
)


def _read_members(archive, members):
    """Read every member once, as the parser would: [Problem] if one is damaged, lies
    about its size, is encrypted, or holds a document type or entity declaration.
    Declared sizes are checked above; zipfile never returns more than a member
    declares, so this reads at most MAX_UNCOMPRESSED_BYTES."""
    for info in members:
        size, tail = 0, b""
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    window = tail + chunk
                    if any(marker in window for marker in DECLARATIONS):
                        return [
                            whole_file(
                                f"Part of the file ({info.filename}) holds an XML document "
                                "type or entity declaration. These are parts Excel never "
                                "writes, and they can be used to attack a service, so the "
                                f"file was not opened. {AGAIN}"
                            )
                        ]
                    if info.filename == "[Content_Types].xml" and MACRO_CONTENT in window.lower():
                        return [whole_file(MACROS)]
                    tail = window[-OVERLAP:]
        except NotImplementedError:  # zipfile: "That compression method is not supported"
            return [
                whole_file(
                    "The file was saved with a compression method Excel does not use, so "
                    f"it cannot be opened. {AGAIN}"
                )
            ]
        except RuntimeError:  # zipfile: "File … is encrypted, password required"
            return [
                whole_file(
                    "Part of the file is encrypted with a password. Remove the password in "
                    f"Excel (File, Info, Protect Workbook). {AGAIN}"
                )
            ]
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError, ValueError):
            size = -1
        if size != info.file_size:
            return [
                whole_file(
                    f"The file is damaged: part of it ({info.filename}) fails its integrity "
                    f"check, so it cannot be opened. {AGAIN}"
                )
            ]
    return []


def merged_ranges(archive, worksheet_path, limit=20):
    """Merged ranges of one worksheet, read from its XML (read-only openpyxl does not
    report them)."""
    with archive.open(worksheet_path) as stream:
        return [m.decode() for m in MERGE.findall(stream.read())][:limit]


def sheet_damage(archive, worksheet_path, shared_count, sheet_name):
    """(cell, message) for the first cell of a worksheet that its parser could not read
    (called only after reading the sheet failed, so a good file is never parsed twice).
    The casts mirror openpyxl's worksheet reader."""
    last = ""
    again = "Type its value again, or copy your figures into a new template."
    try:
        with archive.open(worksheet_path) as stream:
            # check_file has refused any DOCTYPE or ENTITY declaration in every part.
            for event, element in iterparse(stream, events=("start", "end")):  # noqa: S314
                if event == "start" and element.tag == f"{MAIN_NS}row":
                    number = element.get("r")
                    if number is not None and not _whole_number(number):
                        return "", (
                            f"The {sheet_name} sheet has a row with the row number "
                            f"'{number[:20]}', which Excel never writes, so it cannot be read. "
                            "Copy your figures into a new template and upload that."
                        )
                if event != "end" or element.tag != f"{MAIN_NS}c":
                    continue
                found = _cell_damage(element, shared_count, sheet_name, again)
                if found:
                    return found
                last = element.get("r") or last
                element.clear()
    except ParseError:
        pass
    where = f", just after cell {last}" if last else ""
    return "", (
        f"The {sheet_name} sheet is damaged and cannot be read{where}. Copy your figures "
        "into a new template and upload that."
    )


def _cell_damage(element, shared_count, sheet_name, again):
    ref = element.get("r")
    if ref is not None:
        try:
            coordinate_to_tuple(ref)
        except ValueError:
            return "", (
                f"The {sheet_name} sheet has a cell at '{ref[:20]}', which is not a cell "
                "reference Excel uses, so it cannot be read. Copy your figures into a new "
                "template and upload that."
            )
    style = element.get("s")
    if style and not _whole_number(style, fraction=False):
        return ref or "", f"This cell's formatting is damaged. {again}"
    if element.find(f"{MAIN_NS}f") is not None:
        return None
    raw = element.findtext(f"{MAIN_NS}v") or ""
    kind, shown = element.get("t", "n"), raw[:40]
    if not raw:
        return None
    try:
        if kind == "n":
            float(raw) if any(c in raw for c in ".eE") else int(raw)
        elif kind == "b":
            int(raw)
        elif kind == "d":
            from_ISO8601(raw)
    except (ValueError, OverflowError):
        kinds = {"n": "a number", "b": "TRUE or FALSE", "d": "a date"}
        what = {"n": "which is not a number", "b": "", "d": "which is not a date"}[kind]
        return ref or "", (
            f"This cell is stored as {kinds[kind]} but holds '{shown}'"
            f"{', ' + what if what else ''}. {again}"
        )
    if kind == "s" and not (raw.isdigit() and int(raw) < shared_count):
        return ref or "", f"This cell refers to text that is missing from the workbook. {again}"
    return None


def _whole_number(text, fraction=True):
    """As openpyxl reads row numbers (int, or a float that is whole) and style ids."""
    try:
        int(text)
    except ValueError:
        try:
            return fraction and float(text).is_integer()
        except ValueError:
            return False
    return True

"""Checks on the raw file before any spreadsheet parser sees it."""

import io
import re
import zipfile
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 500
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


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
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        return [
            whole_file(
                "The workbook expands to more than "
                f"{MAX_UNCOMPRESSED_BYTES // 1_048_576} MB, far more than a plan "
                "needs, so it was not opened."
            )
        ]
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        return [whole_file("This is not an Excel workbook (.xlsx).")]
    return []


def merged_ranges(archive, worksheet_path, limit=20):
    """Merged ranges of one worksheet, read from its XML (read-only openpyxl does not
    report them)."""
    with archive.open(worksheet_path) as stream:
        return [m.decode() for m in MERGE.findall(stream.read())][:limit]

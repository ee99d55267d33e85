"""The encoding of a CSV file, and its format told from its header."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import numpy as np

from metrics.ingest.problems import WARNING, ProblemLog
from metrics.ingest.text import FileUnreadable, normalise_name


def sniff_encoding(path: Path, log: ProblemLog) -> str:
    """UTF-8, UTF-8 with a byte-order mark, or Windows-1252 (with a warning); anything else is an error."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head or not Path(path).stat().st_size:
        log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
        raise FileUnreadable
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        log.add(None, None, None, "the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8' instead")
        raise FileUnreadable
    _refuse_unreadable_bytes(path, log)
    bom = head[:3] == codecs.BOM_UTF8
    if _decodes(path, "utf-8"):
        if bom:
            log.add(
                1,
                None,
                None,
                "the file starts with a byte-order mark (Excel's 'CSV UTF-8'); it was removed "
                "and the file read as UTF-8",
                WARNING,
            )
        return "utf-8-sig" if bom else "utf-8"
    if _decodes(path, "cp1252"):
        log.add(
            None,
            None,
            None,
            "the file is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV'). "
            "Check characters such as £, é or curly quotes; save as 'CSV UTF-8' to avoid this",
            WARNING,
        )
        return "cp1252"
    log.add(None, None, None, "the file is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8'")
    raise FileUnreadable


def _refuse_unreadable_bytes(path: Path, log: ProblemLog) -> None:
    """Refuse, with words, what no CSV reader should be given: UTF-16 text without its byte-order mark (every
    other byte NUL), NUL characters (padding left by a failed copy, or binary data), and a line longer than the
    CSV reader's limit for one cell (a file whose line endings were lost, or a huge pasted cell)."""
    limit = csv.field_size_limit()
    nul_count, first_nul_line, longest, longest_line = 0, None, 0, None
    lines_before, since_break = 0, 0  # line breaks seen before this block; bytes since the last one
    with open(path, "rb") as fh:
        first = True
        for block in iter(lambda: fh.read(1 << 22), b""):
            data = np.frombuffer(block, dtype=np.uint8)
            if first and len(data) >= 16:
                # ASCII text as UTF-16: one byte of each pair NUL, the other not (NUL padding has both NUL).
                start = data[:512]
                odd_nul, even_nul = (start[1::2] == 0).mean(), (start[0::2] == 0).mean()
                if max(odd_nul, even_nul) > 0.9 and min(odd_nul, even_nul) < 0.1:
                    order = "little-endian" if odd_nul > even_nul else "big-endian"
                    log.add(
                        None,
                        None,
                        None,
                        f"the file looks like UTF-16 text ({order}) without a byte-order "
                        "mark (every other byte is NUL); save it as 'CSV UTF-8' instead",
                    )
                    raise FileUnreadable
            first = False
            breaks = np.flatnonzero((data == 10) | (data == 13))
            nuls = np.flatnonzero(data == 0)
            if len(nuls):
                if first_nul_line is None:
                    first_nul_line = lines_before + int(np.searchsorted(breaks, nuls[0])) + 1
                nul_count += len(nuls)
            if len(breaks):
                gaps = np.diff(np.concatenate(([-1 - since_break], breaks)))
                i = int(np.argmax(gaps))
                if gaps[i] - 1 > longest:
                    longest, longest_line = int(gaps[i] - 1), lines_before + i + 1
                since_break = len(data) - 1 - int(breaks[-1])
            else:
                since_break += len(data)
            if since_break > longest:
                longest, longest_line = since_break, lines_before + len(breaks) + 1
            lines_before += len(breaks)
    if nul_count:
        log.add(
            first_nul_line,
            None,
            None,
            f"the file holds {nul_count:,} NUL characters (byte 0, invisible), the "
            f"first on line {first_nul_line}: a CSV never has them. The file may be padded by a failed copy, or "
            "not be a CSV; export it again as 'CSV UTF-8'",
        )
        raise FileUnreadable
    if longest > limit:
        log.add(
            longest_line,
            None,
            None,
            f"line {longest_line} is {longest:,} bytes long, more than one line or "
            f"cell of a CSV may hold ({limit:,}); the file's line endings may have been lost, or a very long "
            "text pasted into a cell. Check the file in a text editor",
        )
        raise FileUnreadable


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def detect_format(header: list[str]) -> str | None:
    """The format of a CSV from its column names: template, fingertips or ndtms; None if none fits."""
    names = {normalise_name(h) for h in header}
    if {"indicator id", "area code"} <= names:
        return "fingertips"
    if "metric key" in names:
        return "template"
    if names & {"reportingperiod", "reportingperiod data"} and names & {"area", "area data"}:
        return "ndtms"
    return None

"""Damaged copies of a database file, of each kind a disk, a copy or a crash can leave.

    damaged_copy(source, target, kind)    kind in DAMAGE_KINDS

- truncated: the file cut to half its length (a copy interrupted, a full disk);
- corrupt_block: bytes inverted inside a block a table uses (a bad sector; DuckDB's block checksum catches it);
- zero_length: the file with no bytes (a copy that never started);
- zeroed_header: the first 4 KiB zeroed (DuckDB's magic bytes and version gone);
- flipped_wal_byte: a commit left in the write-ahead log by a process killed before its checkpoint, with one bit
  of the log flipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

DAMAGE_KINDS = ["truncated", "corrupt_block", "zero_length", "zeroed_header", "flipped_wal_byte"]
HEADER_BYTES = 3 * 4096  # DuckDB's main header and its two database headers precede the blocks
BLOCK_BYTES = 262_144

# A process that commits a change to the file and dies before DuckDB checkpoints it: the change is only in the WAL.
_LEAVE_WAL = """
import duckdb, os, sys
con = duckdb.connect(':memory:', config={'checkpoint_threshold': '1GB'})
con.execute("ATTACH '" + sys.argv[1].replace("'", "''") + "' AS cdof")
con.execute("USE cdof")
con.execute("INSERT INTO meta VALUES ('left_in_the_wal', 'a committed change not yet checkpointed')")
os._exit(0)
"""


def _invert_bytes(path: Path, offset: int, length: int = 16) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        original = fh.read(length)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in original))


def _checksum_fails(path: Path) -> bool:
    con = duckdb.connect(str(path), read_only=True)
    try:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            con.execute(f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()
    except duckdb.Error as exc:
        return "checksum" in str(exc).lower()
    finally:
        con.close()
    return False


def _corrupt_a_block_the_biggest_table_reads(source: Path, target: Path) -> None:
    """Invert bytes inside the first block of the biggest table that a full read of the file reads.

    A full scan does not load every block pragma_storage_info lists for the table (damage there fails no checksum
    and leaves the scan's result unchanged), and which ones it skips varies from one build to the next, so each
    candidate is tried on a scratch copy."""
    con = duckdb.connect(str(source), read_only=True)
    try:
        blocks = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT block_id FROM pragma_storage_info('indicator_values') WHERE block_id >= 0 ORDER BY 1"
            ).fetchall()
        ]
    finally:
        con.close()
    scratch = target.with_name(target.name + ".trial")
    try:
        for block in blocks:
            shutil.copyfile(source, scratch)
            offset = HEADER_BYTES + block * BLOCK_BYTES + 200
            _invert_bytes(scratch, offset)
            if _checksum_fails(scratch):
                _invert_bytes(target, offset)
                return
    finally:
        scratch.unlink(missing_ok=True)
    raise AssertionError(f"no block of indicator_values in {source} is read by a full scan")


def damaged_copy(source: Path, target: Path, kind: str) -> Path:
    """A copy of `source` at `target`, damaged as `kind`."""
    for leftover in (target, Path(str(target) + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    size = target.stat().st_size
    if kind == "truncated":
        os.truncate(target, size // 2)
    elif kind == "zero_length":
        os.truncate(target, 0)
    elif kind == "zeroed_header":
        with open(target, "r+b") as fh:
            fh.write(b"\0" * 4096)
    elif kind == "corrupt_block":
        _corrupt_a_block_the_biggest_table_reads(source, target)
    elif kind == "flipped_wal_byte":
        subprocess.run([sys.executable, "-c", _LEAVE_WAL, str(target)], check=True)
        wal = Path(str(target) + ".wal")
        assert wal.exists() and wal.stat().st_size > 0, "the killed process left no write-ahead log"
        with open(wal, "r+b") as fh:
            middle = wal.stat().st_size // 2
            fh.seek(middle)
            byte = fh.read(1)
            fh.seek(middle)
            fh.write(bytes([byte[0] ^ 0x01]))
    else:
        raise ValueError(f"unknown kind of damage {kind!r}")
    return target

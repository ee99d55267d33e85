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


def _used_block(path: Path) -> int:
    """A block that holds the rows of the biggest table (so that reading the table reads it)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT min(block_id) FROM pragma_storage_info('indicator_values') WHERE block_id >= 0"
        ).fetchall()[0][0]
    finally:
        con.close()


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
        offset = HEADER_BYTES + _used_block(target) * BLOCK_BYTES + 200
        with open(target, "r+b") as fh:
            fh.seek(offset)
            original = fh.read(16)
            fh.seek(offset)
            fh.write(bytes(b ^ 0xFF for b in original))
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

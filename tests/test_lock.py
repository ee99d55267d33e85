"""The lock files that `make run` and `make test` install from agree with requirements*.txt.

A requirement added or changed without `make lock` would otherwise install an old set, or fail on a missing hash.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _requirements(name: str) -> list[Requirement]:
    lines = (REPO / name).read_text(encoding="utf-8").splitlines()
    return [
        Requirement(line.split("#")[0].strip())
        for line in lines
        if line.split("#")[0].strip() and not line.startswith("-")
    ]


def _pins(name: str) -> dict[str, Version]:
    text = (REPO / name).read_text(encoding="utf-8")
    return {canonicalize_name(n): Version(v) for n, v in PIN.findall(text)}


@pytest.mark.parametrize(
    "requirements, lock",
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements.txt", "requirements-test.lock"),
        ("requirements-test.txt", "requirements-test.lock"),
    ],
)
def test_lock_pins_every_requirement_within_its_range(requirements, lock):
    pins = _pins(lock)
    wrong = []
    for req in _requirements(requirements):
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None or not req.specifier.contains(pinned, prereleases=True):
            wrong.append(f"{req} (locked: {pinned})")
    assert not wrong, f"{lock} is out of date for {requirements}: {wrong}; run `make lock`"


def test_test_lock_keeps_the_run_locks_versions():
    run, test = _pins("requirements.lock"), _pins("requirements-test.lock")
    differ = {name: (str(v), str(test.get(name))) for name, v in run.items() if test.get(name) != v}
    assert not differ, f"requirements-test.lock differs from requirements.lock: {differ}; run `make lock`"


def test_every_locked_version_carries_a_hash():
    for lock in ("requirements.lock", "requirements-test.lock"):
        entries = re.split(r"\n(?=[A-Za-z0-9])", (REPO / lock).read_text(encoding="utf-8"))
        unhashed = [e.split()[0] for e in entries if PIN.match(e) and "--hash=sha256:" not in e]
        assert not unhashed, f"{lock}: no hash for {unhashed}"

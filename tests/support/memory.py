"""Resident memory of another process, from /proc: now (VmRSS) and at its peak (VmHWM), which
the kernel lets us reset to the current value, so a peak belongs to one step of a test."""

from __future__ import annotations

from pathlib import Path

MB = 1_048_576


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def resident(pid: int) -> int:
    return _status(pid, "VmRSS")


def peak(pid: int) -> int:
    return _status(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    """From now on VmHWM is the peak since this call."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")

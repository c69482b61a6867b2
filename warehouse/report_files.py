"""The council's report files: which one was written last.

One rule for the main command (which report to name when its runs did not rebuild one) and the report step (whose
charts the next report may reuse), so the two never point at different files.
"""

from __future__ import annotations

from pathlib import Path


def last_report(folder: Path, outcome: str, council: str) -> Path | None:
    """The newest `<outcome>-<council>-*.html` in `folder`, or None when there is none."""
    written = [path for path in folder.glob(f"{outcome}-{council}-*.html") if path.is_file()]
    return max(written, key=lambda path: path.stat().st_mtime_ns) if written else None

"""The council's drop folder: one subfolder per quarter, named by the quarter end its extracts were taken on.

Apart from the readers, because the command checks the folder names before it starts a run, and that check must
not cost the import of pandas and the XML schema.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


def quarter_folders(root: Path) -> dict[date, Path]:
    """The drop folder's subfolders named by the quarter end the extract was taken on (YYYY-MM-DD)."""
    folders = {}
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.is_dir():
            continue
        try:
            folders[date.fromisoformat(folder.name)] = folder
        except ValueError:
            continue
    return folders


QUARTER_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}


def misnamed_quarters(root: Path) -> list[str]:
    """Subfolders named like a date that is not a quarter end (`2025-03-30`): their files would be ignored."""
    return (
        [
            folder.name
            for folder, as_at in ((f, _date(f.name)) for f in sorted(root.iterdir()) if f.is_dir())
            if as_at is not None and (as_at.month, as_at.day) not in QUARTER_ENDS
        ]
        if root.is_dir()
        else []
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None

"""The report as a PDF beside its HTML, printed by headless Chromium with the report's print stylesheet.

Chromium is what the committee's browsers are, so the PDF is what "Print" gives them; it is optional: without a
Chromium binary the report step writes the HTML alone and says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome")
# Without the background-networking flags Chromium keeps trying to reach Google's services. One process
# (`--single-process --no-zygote`, no extensions) prints the same pages with half the memory: a browser, zygotes,
# GPU, utility and renderer processes held 1.2 GB of the national run's peak for a two-second print.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--single-process",
    "--no-zygote",
    "--disable-extensions",
]


def find_chromium(setting: str) -> str | None:
    """The Chromium to print with: the setting's path, none when it says `none`, else the first on PATH."""
    if setting.lower() == "none":
        return None
    if setting:
        return setting
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


def write_pdf(html_path: Path, chromium: str, timeout_s: float = 180) -> Path:
    """Print `html_path` to a PDF of the same name, written whole or not at all."""
    pdf = html_path.with_suffix(".pdf")
    partial = pdf.with_name(f".{pdf.name}.partial")
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        completed = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={partial}", html_path.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    if completed.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"{chromium} could not print {html_path}: {completed.stderr[-1000:]}")
    partial.replace(pdf)
    return pdf

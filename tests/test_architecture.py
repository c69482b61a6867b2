"""The rooms' import rules (design.md, "Rooms"), enforced with the import-linter contracts in pyproject.toml."""

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("sources", "checks", "warehouse", "assets", "pipelines")
LOWER_ROOMS = ("sources", "checks", "warehouse")
# Standard-library modules that exist on Linux and macOS only: the lower rooms must run on Windows too (issue 15).
POSIX_ONLY = frozenset({"fcntl", "pwd", "grp", "termios", "tty", "pty", "resource", "syslog", "posix", "crypt"})
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's own command over `project` (its rooms first on the path), with its pyproject.toml."""
    return subprocess.run(
        [sys.executable, "-c", LINT, "--config", str(project / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_every_room_keeps_its_import_rules() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, f"import-linter found broken contracts:\n{result.stdout}\n{result.stderr}"
    assert "0 broken" in result.stdout


def test_the_contracts_cover_every_room() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert sorted(options["root_packages"]) == sorted(ROOMS)
    assert options["include_external_packages"] is True
    (layers,) = [contract["layers"] for contract in _contracts() if contract["type"] == "layers"]
    assert layers == ["pipelines", "assets", " | ".join(LOWER_ROOMS)]
    forbidden = {
        room: set(contract["forbidden_modules"])
        for contract in _contracts()
        if contract["type"] == "forbidden"
        for room in contract["source_modules"]
    }
    assert set(forbidden) == set(ROOMS)
    for room in LOWER_ROOMS:
        assert {"dagster", "tools", "tests"} <= forbidden[room], room
    assert {"great_expectations", "requests"} <= forbidden["warehouse"]
    assert "requests" in forbidden["checks"]
    assert "great_expectations" in forbidden["sources"]


def test_a_room_importing_against_the_rules_breaks_a_contract(tmp_path: Path) -> None:
    """The same contracts over a copy of the rooms with three imports against the rules: each is reported."""
    for room in ROOMS:
        shutil.copytree(ROOT / room, tmp_path / room, ignore=_not_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    _append(tmp_path / "warehouse" / "landing.py", "from sources.ees import STATUSES  # noqa")
    _append(tmp_path / "checks" / "rules.py", "import dagster  # noqa")
    _append(tmp_path / "sources" / "http.py", "import assets.common  # noqa")
    result = _lint(tmp_path)
    assert result.returncode != 0
    report = result.stdout
    assert "Contracts: 2 kept, 3 broken." in report, report
    assert "warehouse is not allowed to import sources" in report
    assert "warehouse.landing -> sources.ees" in report
    assert "checks is not allowed to import dagster" in report
    assert "sources is not allowed to import assets" in report


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [
        name for name in names if name == "__pycache__" or not (Path(folder, name).is_dir() or name.endswith(".py"))
    ]


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def posix_only_imports(folder: Path) -> list[str]:
    """`file: module` for every import of a POSIX-only standard module under `folder`."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found += [
                f"{path.relative_to(folder.parent)}: {name}" for name in names if name.split(".")[0] in POSIX_ONLY
            ]
    return found


def test_the_lower_rooms_import_nothing_posix_only(tmp_path: Path) -> None:
    """The warehouse lock is filelock's (flock or LockFileEx), not fcntl: sources, checks and warehouse run on
    Windows. The scan itself is shown to find such an import in a copy."""
    for room in LOWER_ROOMS:
        assert posix_only_imports(ROOT / room) == [], room
    shutil.copytree(ROOT / "warehouse", tmp_path / "warehouse", ignore=_not_python)
    _append(tmp_path / "warehouse" / "database.py", "import fcntl  # noqa")
    _append(tmp_path / "warehouse" / "landing.py", "from pwd import getpwnam  # noqa")
    assert posix_only_imports(tmp_path / "warehouse") == ["warehouse/database.py: fcntl", "warehouse/landing.py: pwd"]

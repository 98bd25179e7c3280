"""The package as pip builds it: no setuptools warning on the screen of `make demo`, the pages and data inside."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "app", "index", "ingest", "models"]

pytestmark = pytest.mark.slow  # pip builds in an isolated environment: setuptools comes from the registry


def project_copy(dest: Path) -> Path:
    """The files a build reads, copied: a build writes build/ and *.egg-info beside them."""
    dest.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def pip(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done


def warnings(done: subprocess.CompletedProcess) -> list[str]:
    """What the build said, but for this machine's pip configuration (absent index folders)."""
    lines = (done.stdout + done.stderr).splitlines()
    return [
        line
        for line in lines
        if line.strip() and "is ignored: it is neither a file nor a directory" not in line
    ]


def test_the_wheel_builds_without_a_warning_and_holds_the_pages_and_the_model_registry(tmp_path):
    project = project_copy(tmp_path / "project")
    built = pip("wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(project))
    assert warnings(built) == []
    (wheel,) = (tmp_path / "dist").glob("registre-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("app/http/static/widget.js", "app/http/static/recherche.html", "app/http/templates/reader.html",
                 "app/evaluation/templates/report.html.j2", "models/registry.json",
                 "app/db/migrations/001_feedback.sql"):  # fmt: skip
        assert data in names


def test_an_editable_install_says_nothing(tmp_path):
    project = project_copy(tmp_path / "project")
    venv.create(tmp_path / "venv", with_pip=False)
    target = tmp_path / "venv" / "bin" / "python"
    installed = pip("--python", str(target), "install", "--no-deps", "-q", "-e", str(project))
    assert warnings(installed) == []
    found = subprocess.run(
        [target, "-c", "import models; print(models.__file__)"],  # no dependency installed: a package of ours
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert Path(found.stdout.strip()) == project / "models" / "__init__.py"  # the sources, as edited


def fake_venv(path: Path, exit_code: int) -> Path:
    """A venv whose python talks as pip and a build do, then exits with exit_code."""
    (path / "bin").mkdir(parents=True)
    script = f"#!/bin/sh\necho 'Collecting noise'\necho 'BuildBackendWarning: noise' >&2\nexit {exit_code}\n"
    for name in ("python", "pip"):
        (path / "bin" / name).write_text(script)
        (path / "bin" / name).chmod(0o755)
    (path / ".installed").touch()  # newer than pyproject.toml: the install step is done
    return path


@pytest.mark.parametrize("exit_code", [0, 1])
def test_a_make_step_prints_one_line_and_shows_its_log_only_when_it_fails(tmp_path, exit_code):
    venv_dir = fake_venv(tmp_path / "venv", exit_code)
    data = tmp_path / "data"
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "models", f"VENV={venv_dir}", f"REGISTRE_DATA_DIR={data}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = (done.stdout + done.stderr).splitlines()
    assert lines[0].startswith("modèles : ")
    if exit_code == 0:
        assert done.returncode == 0 and lines == lines[:1]  # the noise went to the log
        assert "BuildBackendWarning: noise" in (data / "make.log").read_text()
    else:
        assert done.returncode != 0
        assert (
            "BuildBackendWarning: noise" in lines
            and f"échec : le journal complet est dans {data / 'make.log'}" in lines
        )

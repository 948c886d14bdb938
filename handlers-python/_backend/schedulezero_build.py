"""A PEP 517 / PEP 660 build backend in the standard library, for this one pure-Python package.

Why not setuptools: building a wheel with setuptools older than 70.1 needs the separate
``wheel`` package, and a Python without it (a pyenv build, a slim image) cannot install the SDK
offline, with or without ``--no-build-isolation``. A pure-Python wheel is a zip file with three
metadata files, so this backend writes it itself and needs nothing installed: ``pip install
./handlers-python`` works anywhere pip does, without an index.

The metadata comes from the ``[project]`` table of pyproject.toml, which must keep plain
``key = "value"`` lines for the keys read here (tomllib is not in Python 3.9 and 3.10).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "schedulezero_handler"
#: Files of the package that go into the wheel.
PACKAGE_GLOBS = ("*.py", "py.typed")
#: Files besides the package that go into the sdist.
SDIST_FILES = ("pyproject.toml", "README.md", "_backend/schedulezero_build.py")


def _project() -> Dict[str, str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if section is None:
        raise RuntimeError("pyproject.toml has no [project] table")
    values = dict(re.findall(r'^([A-Za-z-]+)\s*=\s*"([^"]*)"\s*$', section.group(1), re.M))
    for key in ("name", "version", "description", "requires-python"):
        if key not in values:
            raise RuntimeError(f'pyproject.toml: [project] needs {key} = "..."')
    license_ = re.search(r'^license\s*=\s*\{\s*text\s*=\s*"([^"]*)"\s*\}\s*$', section.group(1), re.M)
    if license_:
        values["license"] = license_.group(1)
    return values


def _dist_name(name: str) -> str:
    """The name as wheel and sdist file names spell it (PEP 427 / 625)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata(project: Dict[str, str]) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
    ]
    if "license" in project:
        lines.append(f"License: {project['license']}")
    lines.append("Description-Content-Type: text/markdown")
    readme = ROOT / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.exists() else ""
    return "\n".join(lines) + "\n\n" + body


def _package_files() -> List[Path]:
    files: List[Path] = []
    for pattern in PACKAGE_GLOBS:
        files.extend((ROOT / PACKAGE).glob(pattern))
    return sorted(set(files))


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{path},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory: str, contents: List[Tuple[str, bytes]]) -> str:
    project = _project()
    name, version = _dist_name(project["name"]), project["version"]
    dist_info = f"{name}-{version}.dist-info"
    files = list(contents) + [
        (f"{dist_info}/METADATA", _metadata(project).encode("utf-8")),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: schedulezero_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode("utf-8")),
    ]
    record = "\n".join([_record_line(path, data) for path, data in files] + [f"{dist_info}/RECORD,,", ""])
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files + [(f"{dist_info}/RECORD", record.encode("utf-8"))]:
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return filename


# --- the PEP 517 hooks ----------------------------------------------------------------------


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[dict] = None) -> List[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    contents = [(f"{PACKAGE}/{path.name}", path.read_bytes()) for path in _package_files()]
    return _write_wheel(wheel_directory, contents)


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    # PEP 660: a .pth file puts this checkout on sys.path, so edits take effect without reinstalling.
    pth = f"{ROOT}\n".encode("utf-8")
    return _write_wheel(wheel_directory, [(f"__editable__.{PACKAGE}.pth", pth)])


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    project = _project()
    base = f"{_dist_name(project['name'])}-{project['version']}"
    filename = f"{base}.tar.gz"
    paths = [ROOT / p for p in SDIST_FILES if (ROOT / p).exists()] + _package_files()
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for path in paths:
            sdist.add(str(path), arcname=f"{base}/{path.relative_to(ROOT).as_posix()}", recursive=False)
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata(project).encode("utf-8")
        info.size = len(data)
        info.mtime = int(time.time())
        info.mode = 0o644
        sdist.addfile(info, io.BytesIO(data))
    return filename

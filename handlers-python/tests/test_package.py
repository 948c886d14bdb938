"""The package itself: Python 3.9 syntax, pip-installable from the repository path."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from support import ROOT

import schedulezero_handler

PACKAGE = ROOT / "schedulezero_handler"
BACKEND = ROOT / "_backend" / "schedulezero_build.py"
SOURCES = sorted(PACKAGE.glob("*.py")) + sorted((ROOT / "tests").glob("*.py")) + [BACKEND]


class SyntaxTest(unittest.TestCase):
    def test_every_module_parses_as_python_3_9(self) -> None:
        for path in SOURCES:
            with self.subTest(path=path.name):
                # feature_version refuses what 3.9 cannot parse (match statements, except*, ...).
                ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=(3, 9))

    def test_annotations_are_never_evaluated(self) -> None:
        # With postponed annotations, `X | None` and `list[str]` in annotations are fine on 3.9.
        for path in SOURCES:
            with self.subTest(path=path.name):
                if path.name == "__init__.py" and path.parent == ROOT / "tests":
                    continue
                self.assertIn("from __future__ import annotations", path.read_text(encoding="utf-8"))

    def test_no_runtime_union_operator_on_types(self) -> None:
        # `int | None` outside an annotation is evaluated at run time, which 3.9 cannot do.
        typing_names = {"None", "int", "str", "float", "bool", "dict", "list", "Any", "JSON", "Optional"}
        for path in sorted(PACKAGE.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            annotations = set()
            for node in ast.walk(tree):
                for child in (getattr(node, "annotation", None), getattr(node, "returns", None)):
                    if child is not None:
                        annotations.update(id(n) for n in ast.walk(child))
            for node in ast.walk(tree):
                if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and id(node) not in annotations:
                    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                    self.assertFalse(names & typing_names, f"{path.name}:{node.lineno}: a type union at run time")

    def test_the_build_backend_reads_pyproject_as_toml_does(self) -> None:
        try:
            import tomllib  # 3.11+
        except ImportError:
            self.skipTest("tomllib is Python 3.11+")
        sys.path.insert(0, str(BACKEND.parent))
        try:
            import schedulezero_build
        finally:
            sys.path.remove(str(BACKEND.parent))
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        read = schedulezero_build._project()
        for key in ("name", "version", "description", "requires-python"):
            self.assertEqual(read[key], project[key], key)
        self.assertEqual(read["license"], project["license"]["text"])

    def test_the_version_matches_pyproject(self) -> None:
        text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        match = re.search(r'^version = "([^"]+)"', text, re.M)
        self.assertIsNotNone(match)
        self.assertEqual(match.group(1), schedulezero_handler.__version__)


class DocsTest(unittest.TestCase):
    DOCS = ROOT / "docs"

    def pages(self) -> list:
        return sorted(self.DOCS.rglob("*.md")) + [ROOT / "README.md"]

    def test_the_nav_lists_every_page_and_only_existing_ones(self) -> None:
        config = (self.DOCS / "mkdocs.yml").read_text(encoding="utf-8")
        self.assertIn("site_name: ScheduleZero Python handlers", config)
        self.assertRegex(config, r"(?m)^docs_dir: \.$")
        listed = set(re.findall(r":\s+([\w/.-]+\.md)\s*$", config, re.M))
        on_disk = {p.relative_to(self.DOCS).as_posix() for p in self.DOCS.rglob("*.md")}
        self.assertEqual(listed, on_disk)

    def test_python_examples_parse_as_python_3_9(self) -> None:
        for page in self.pages():
            blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
            for i, block in enumerate(blocks):
                if block.lstrip().startswith(("Worker(", "ProtocolClient(")):
                    continue  # signatures, shown with 3.10 annotations for reading
                with self.subTest(page=page.name, block=i):
                    ast.parse(block, feature_version=(3, 9))

    def test_the_api_reference_covers_everything_public(self) -> None:
        import schedulezero_handler as sdk
        from schedulezero_handler import Job, Worker

        text = (self.DOCS / "api.md").read_text(encoding="utf-8")
        for name in sdk.__all__:
            with self.subTest(name=name):
                self.assertTrue(f"`{name}" in text, f"{name} is not in docs/api.md")
        for cls, prefix in ((Worker, "worker."), (Job, "job.")):
            public = [n for n in dir(cls) if not n.startswith("_")]
            instance_attrs = {
                Worker: ["handler", "concurrency", "server", "name", "version", "heartbeat_seconds", "lease_seconds"],
                Job: ["run_id", "schedule_id", "method", "attempt", "scheduled_at", "deadline", "params", "worker_id", "cancelled"],
            }[cls]
            for name in public + instance_attrs:
                with self.subTest(member=prefix + name):
                    self.assertTrue(prefix + name in text, f"{prefix}{name} is not in docs/api.md")
        worker = Worker(handler="docs-check", server="http://127.0.0.1:9", token="")
        undocumented = [n for n in vars(worker) if not n.startswith("_") and f"worker.{n}" not in text]
        self.assertEqual(undocumented, [])

    def test_the_constructor_table_lists_every_argument(self) -> None:
        import inspect

        from schedulezero_handler import Worker

        text = (self.DOCS / "api.md").read_text(encoding="utf-8")
        for name in inspect.signature(Worker).parameters:
            with self.subTest(argument=name):
                self.assertTrue(f"| `{name}` |" in text, f"the argument {name} is not in docs/api.md")


class InstallTest(unittest.TestCase):
    """pip installs the SDK from the repository path, offline, into a fresh virtual environment."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory(prefix="sz-pip-")
        tmp = Path(cls.tmp.name)
        # A copy: pip builds in place, and nothing may be left behind in the checkout.
        cls.source = tmp / "handlers-python"
        shutil.copytree(ROOT, cls.source, ignore=shutil.ignore_patterns("tests", "test", "docs", "build", "*.egg-info", "__pycache__"))
        cls.venv = tmp / "venv"
        # No --system-site-packages: the build needs nothing but pip (no setuptools, no wheel).
        done = subprocess.run([sys.executable, "-m", "venv", str(cls.venv)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        if done.returncode != 0:
            raise AssertionError(f"python3 -m venv failed:\n{done.stdout}")
        cls.python = cls.venv / "bin" / "python"
        cls.env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
        cls.env.pop("PYTHONPATH", None)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def pip(self, *args: str) -> str:
        return self.run_ok([str(self.python), "-m", "pip", *args, "--no-index"] if args[0] == "install" else [str(self.python), "-m", "pip", *args])

    def installed(self) -> Path:
        out = self.run_ok([str(self.python), "-c", "import schedulezero_handler as s; print(s.__version__); print(s.__file__)"], cwd=self.tmp.name)
        version, location = out.split()
        self.assertEqual(version, schedulezero_handler.__version__)
        return Path(location).resolve()

    def test_pip_install_from_the_repository_path(self) -> None:
        for isolation in (["--no-build-isolation"], []):
            with self.subTest(isolation=isolation or "isolated build"):
                self.pip("install", *isolation, str(self.source))
                location = self.installed()
                self.assertTrue(location.is_relative_to(self.venv.resolve()), location)
                self.assertTrue((location.parent / "py.typed").exists())
                metadata = self.run_ok([str(self.python), "-m", "pip", "show", "schedulezero-handler"])
                self.assertIn(f"Version: {schedulezero_handler.__version__}", metadata)
                self.assertIn("Requires: \n", metadata + "\n")  # no dependencies
                self.pip("uninstall", "-y", "schedulezero-handler")
        self.assertEqual(list(self.source.glob("*.egg-info")) + list(self.source.glob("build")), [])

    def test_pip_install_editable(self) -> None:
        self.pip("install", "--no-build-isolation", "-e", str(self.source))
        try:
            self.assertEqual(self.installed(), (self.source / "schedulezero_handler" / "__init__.py").resolve())
        finally:
            self.pip("uninstall", "-y", "schedulezero-handler")

    def run_ok(self, command: list, **kwargs: object) -> str:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, env=self.env, **kwargs)
        self.assertEqual(done.returncode, 0, f"{' '.join(command)} failed:\n{done.stdout}")
        return done.stdout


if __name__ == "__main__":
    unittest.main()

"""The package's import structure: no cycle and no private name imported across modules (the
tools/check_imports.py checker, itself checked on packages that break each rule), and a light
``import varbayes`` (no SciPy, no matplotlib, quick)."""

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_checker():
    spec = importlib.util.spec_from_file_location("check_imports", ROOT / "tools" / "check_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_package(tmp_path, files):
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_varbayes_has_no_import_cycle_and_no_private_import():
    assert load_checker().check(ROOT / "python" / "varbayes") == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"a.py": "from .b import f\n", "b.py": "from . import c\n", "c.py": "from .a import g\n"},
            ["import cycle between pkg.a, pkg.b, pkg.c"],
        ),
        (
            {"a.py": "from .sub.x import _helper\n", "sub/__init__.py": "", "sub/x.py": "_helper = 1\n"},
            ["pkg.a (line 1) imports the private name _helper from pkg.sub.x"],
        ),
        (
            {"a.py": "from ..pkg import b\n", "b.py": "import pkg.a\n"},
            ["import cycle between pkg.a, pkg.b"],
        ),
    ],
    ids=["cycle", "private-name", "absolute-and-parent"],
)
def test_checker_reports_what_breaks_the_rules(tmp_path, files, expected):
    assert load_checker().check(make_package(tmp_path, files)) == expected


def test_checker_ignores_imports_that_run_later(tmp_path):
    files = {
        "a.py": "from . import b\n",
        "b.py": """
            from typing import TYPE_CHECKING
            from . import _private_module
            if TYPE_CHECKING:
                from .a import Thing
            def f():
                from .a import g
            """,
        "_private_module.py": "",
    }
    assert load_checker().check(make_package(tmp_path, files)) == []


def test_checker_exit_status(tmp_path):
    bad = make_package(tmp_path, {"a.py": "from .b import x\n", "b.py": "from .a import y\n"})
    run = [sys.executable, str(ROOT / "tools" / "check_imports.py")]
    assert subprocess.run([*run, str(bad)], capture_output=True).returncode == 1
    assert subprocess.run(run, capture_output=True).returncode == 0


def test_import_varbayes_loads_neither_scipy_nor_matplotlib_and_is_quick():
    code = """
        import json, sys, time
        t0 = time.perf_counter()
        import varbayes
        seconds = time.perf_counter() - t0
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "matplotlib", "torch"})
        print(json.dumps({"seconds": seconds, "heavy": heavy}))
        """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["heavy"] == []
    # The budget is 0.3 s on a quiet machine; the bound here leaves room for a loaded CI runner.
    assert result["seconds"] < 3.0, result

"""The Python examples of the documentation run, so they cannot rot.

Convention (docs/contributing.md): every fenced ``python`` block of a page in docs/ and of
README.md runs; the blocks of one page run in order in one fresh interpreter (a later block may use
names from an earlier one), in a temporary directory. A block preceded by the line
``<!-- no-run -->`` is skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_RUN = "<!-- no-run -->"
# A fence opening at the start of a line, its body, and the closing fence.
BLOCK = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[str]:
    """The runnable ``python`` blocks of a Markdown text, in order."""
    blocks = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        if match["lang"].strip() == "python" and before != NO_RUN:
            blocks.append(match["body"])
    return blocks


PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
PAGES_WITH_CODE = [p for p in PAGES if python_blocks(p.read_text(encoding="utf-8"))]
PAGE_IDS = [p.relative_to(ROOT).as_posix() for p in PAGES_WITH_CODE]


def test_block_extraction():
    text = (
        "intro\n```python\na = 1\n```\n\n```bash\nls\n```\n"
        f"{NO_RUN}\n```python\nraise SystemExit(1)\n```\n```python\nb = a\n```\n"
    )
    assert python_blocks(text) == ["a = 1\n", "b = a\n"]


def test_the_main_pages_have_examples():
    assert {"README.md", "docs/index.md", "docs/getting-started.md", "docs/guide/sgld.md"} <= set(PAGE_IDS)


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=PAGE_IDS)
def test_page_examples_run(page, tmp_path):
    script = tmp_path / "page.py"
    script.write_text("\n".join(python_blocks(page.read_text(encoding="utf-8"))), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{page.relative_to(ROOT)}:\n{result.stdout}\n{result.stderr}"

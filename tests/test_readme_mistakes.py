"""The README's "Mistakes get explanations" block is what docs/mistakes.py prints."""

import re

from helpers import ROOT, run_script


def test_readme_shows_what_the_mistakes_script_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Mistakes get explanations", 1)[1]
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    printed = run_script(ROOT / "docs" / "mistakes.py").stdout
    assert shown == printed
    assert shown.count("— at mistakes.py:") == 2 and "GraphReuseWarning" in shown

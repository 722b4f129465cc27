"""The result of checking one file: one line per case, a detail and a hint per failure.

    Exercise 6: the LSTM cell from primitives
    checking lstm_cell in examples/exercises/06_lstm_cell.py

      PASS  case 1: B=2, D=3, H=4
      FAIL  case 2: B=1, D=1, H=1
            c_t[0, 0] differs: expected 0.431, got -0.118 (1 of 1 elements differ)
            hint: c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t ...

    1 of 2 cases passed.

What the student's code printed (it runs in a process of its own, see runner.py) is
shown under the case that printed it, each line marked with "|", so that nothing it
prints can pass for a line of the report.

Read next: runner.py (loading the student's file and running the cases).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

PASS, FAIL, ERROR, TODO = "pass", "fail", "error", "todo"
WIDTH = 88  # wrap messages for a terminal
PRINTED_LINES = 12  # lines of the student's output shown per case
PRINTED_WIDTH = 76  # characters of each of those lines


@dataclass
class CaseResult:
    """One case: status "pass", "fail" (a wrong answer), "error" (the code raised) or
    "todo" (NotImplementedError: that function is not written yet)."""

    number: int
    description: str
    status: str
    what: str = ""
    hint: str = ""
    printed: str = ""  # what the student's code printed during this case


@dataclass
class Report:
    """Everything `tinygrad-rnn check` prints for one exercise and one file.

    problem  set when the file could not be checked at all (missing, does not import,
             lacks a function); then `results` is empty
    printed  what the student's file printed while it was imported
    """

    number: int
    title: str
    path: str
    functions: tuple
    command: str
    results: list = field(default_factory=list)
    problem: str = ""
    printed: str = ""

    @property
    def passed(self) -> bool:
        """True only if there was something to check and every case passed."""
        return not self.problem and bool(self.results) and self.count(PASS) == len(self.results)

    @property
    def not_implemented(self) -> bool:
        """True if every case stopped at a NotImplementedError: an untouched stub."""
        return bool(self.results) and self.count(TODO) == len(self.results)

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    def format(self) -> str:
        """The whole report as text."""
        lines = [f"Exercise {self.number}: {self.title}"]
        names = ", ".join(self.functions)
        lines.append(f"checking {names} in {self.path}")
        lines.append("")
        if self.printed:
            lines += printed_lines("while it was imported, your file printed:", self.printed, "  ")
            lines.append("")
        if self.problem:
            lines += indent(self.problem, "  ")
            return "\n".join(lines)
        if self.not_implemented:
            lines += self.kind_words()
            return "\n".join(lines)
        for result in self.results:
            lines += format_case(result)
        lines.append("")
        lines.append(self.summary())
        return "\n".join(lines)

    def kind_words(self) -> list[str]:
        """What an untouched stub gets: not an error, just where to start."""
        names = ", ".join(self.functions[:-1])
        names = f"{names} and {self.functions[-1]}" if names else self.functions[-1]
        text = (
            f"{names} {'is' if len(self.functions) == 1 else 'are'} not implemented yet: "
            "the file still says `raise NotImplementedError`, which is how every exercise "
            f"starts. Read the docstring at the top of {self.path} (the task and the "
            "formula), replace `raise NotImplementedError` with your code, and run"
        )
        return indent(text, "") + [
            f"    {self.command}",
            "again: each case then says PASS, or what differs and a hint.",
        ]

    def summary(self) -> str:
        total = len(self.results)
        passed = self.count(PASS)
        if passed == total:
            return f"All {total} cases passed. Well done!"
        parts = [f"{passed} of {total} cases passed"]
        todo = self.count(TODO)
        if todo:
            parts.append(f"{todo} not implemented yet")
        return "; ".join(parts) + "."


def format_case(result: CaseResult) -> list[str]:
    labels = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR", TODO: "TODO"}
    lines = [f"  {labels[result.status]:<5}  case {result.number}: {result.description}"]
    if result.what:
        lines += indent(result.what, " " * 9)
    if result.hint:
        lines += indent("hint: " + result.hint, " " * 9)
    if result.printed:
        lines += printed_lines("your code printed:", result.printed, " " * 9)
    return lines


def printed_lines(title: str, text: str, prefix: str) -> list[str]:
    """The student's output under `title`, every line marked "| ", at most PRINTED_LINES
    lines of PRINTED_WIDTH characters."""
    lines = [prefix + title]
    printed = text.rstrip("\n").split("\n")
    for line in printed[:PRINTED_LINES]:
        if len(line) > PRINTED_WIDTH:
            line = line[:PRINTED_WIDTH] + " ..."
        lines.append(prefix + "| " + line)
    if len(printed) > PRINTED_LINES:
        lines.append(prefix + f"| ... ({len(printed) - PRINTED_LINES} more lines)")
    return lines


def indent(text: str, prefix: str) -> list[str]:
    """Wrap each paragraph of `text` to WIDTH, every line starting with `prefix`."""
    lines = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(
            paragraph, width=WIDTH - len(prefix), break_long_words=False, break_on_hyphens=False
        )
        lines += [prefix + line for line in wrapped or [""]]
    return lines

"""A problem found in ``inputs/`` (file, row, column, message, fix) and the error listing them."""

from __future__ import annotations

from dataclasses import dataclass

from energy_model.errors import EnergyModelError


@dataclass(frozen=True)
class Problem:
    """One problem found in ``inputs/``.

    ``row`` is the line number in the file (the header is line 1); ``None`` for file-level problems.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}. Fix: {self.fix}"


class InputError(EnergyModelError, ValueError):
    """Raised when ``inputs/`` has problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the inputs:\n{lines}")

"""The one base class of the errors energy_model raises on purpose.

An *expected* error is one a user can cause and fix: a bad table in ``inputs/``, a bad study
file, a name that is not in a catalogue, a year without data, an unusable output folder, a solve
that fails. Every such error class derives from :class:`EnergyModelError` (besides its usual
built-in base, so ``except ValueError`` in callers keeps working). The command line decides its
exit code by this class alone: an :class:`EnergyModelError` is the user's to fix (exit 2),
anything else is a bug in energy_model (exit 3).

Standard library only, and imports nothing of energy_model: every layer may use it.
"""

from __future__ import annotations

__all__ = ["EnergyModelError", "NotSolvedError", "UnknownKeyError", "UsageError",
           "WrongTypeError"]


class EnergyModelError(Exception):
    """Base class of every error energy_model raises deliberately (an expected failure)."""


class UsageError(EnergyModelError, ValueError):
    """A value given to a function or command cannot be used (a year without data, an option
    that needs the electricity layer, an unknown resolution)."""


class WrongTypeError(EnergyModelError, TypeError):
    """An argument has the wrong type (a string where a list of names is needed)."""


class UnknownKeyError(EnergyModelError, KeyError):
    """A name (option, stress, unit, asset) is not in its catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NotSolvedError(UsageError):
    """An analysis needs a solved network and was given an unsolved one."""

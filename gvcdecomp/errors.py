"""Exceptions raised by gvcdecomp.

Every error the library raises on purpose derives from :class:`GVCError`, so
``except gd.GVCError`` catches them all; the subclasses say what went wrong.
Most also derive from the built-in exception a Python user would expect
(``ValueError``, ``KeyError``, ``FileNotFoundError``).
"""


class GVCError(Exception):
    """Base class of every error raised by gvcdecomp."""


class TableError(GVCError, ValueError):
    """An input-output table is malformed: shapes, labels or values."""


class ShapeError(TableError):
    """Blocks of a table do not fit together (non-square Z, wrong lengths)."""


class LabelError(TableError):
    """Labels are missing, duplicated or do not match the data."""


class ValueNotFiniteError(TableError):
    """A table holds NaN or infinite values."""


class OutputError(TableError):
    """Gross output is negative, or zero everywhere."""


class SingularMatrixError(GVCError, ArithmeticError):
    """I - A is singular or too ill-conditioned to invert."""


class DataNotFoundError(GVCError, FileNotFoundError):
    """The data files for a source could not be found."""


class FileFormatError(GVCError, ValueError):
    """A data file exists but is not in the expected format (or is corrupt)."""


class UnknownLabelError(GVCError, KeyError):
    """A country, industry, year, method or group that does not exist."""

    def __str__(self):  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class OptionError(GVCError, ValueError):
    """An option of a method is invalid or unsupported."""

"""The domain's exceptions: one base type, two outcomes (bad parameter, no answer)."""

from __future__ import annotations


class TconvError(Exception):
    """Base of every error tconv reports to a user; `exit_code` is what the CLI returns."""

    exit_code = 1


class ParameterError(TconvError, ValueError):
    """A parameter breaks a rule: it names the parameter (PyTorch's word), axis, value and rule.

    `param` is None when the rule concerns a combination (e.g. the output size).
    """

    exit_code = 2

    def __init__(self, param: str | None, value: object, rule: str, axis: int | None = None):
        self.param, self.value, self.rule, self.axis = param, value, rule, axis
        where = f" on axis {axis}" if axis is not None else ""
        subject = f"{param}={value}{where}" if param else f"the output{where}"
        super().__init__(f"{subject} {rule}")


class NoAnswer(TconvError):
    """A valid question without an answer (an unreachable target size, a refused overwrite)."""

    exit_code = 1

"""The domain's exceptions: one base type, two outcomes (bad parameter, no answer)."""

from __future__ import annotations


class TconvError(Exception):
    """Base of every error tconv reports to a user; `exit_code` is what the CLI returns."""

    exit_code = 1


class ParameterError(TconvError, ValueError):
    """A parameter breaks a rule.

    `param` is the parameter's name as the library's functions take it (PyTorch's word:
    `kernel_size`, `output_padding`; `x` for an input array), or None when the rule concerns a
    combination (the output size); `attribute` names a property of it (`shape`, `dtype`);
    `axis` the spatial axis. The command line maps `param` to its option (cli/flags.py).
    """

    exit_code = 2

    def __init__(
        self,
        param: str | None,
        value: object,
        rule: str,
        axis: int | None = None,
        *,
        attribute: str | None = None,
    ):
        self.param, self.value, self.rule, self.axis = param, value, rule, axis
        self.attribute = attribute
        where = f" on axis {axis}" if axis is not None else ""
        name = f"{param}.{attribute}" if attribute else param
        given = "" if value in ("", None) else f"={value}"  # a parameter left out
        subject = f"{name}{given}{where}" if param else f"the output{where}"
        super().__init__(f"{subject} {rule}")


class NoAnswer(TconvError):
    """A valid question without an answer (an unreachable target size, a refused overwrite)."""

    exit_code = 1

"""tconv: shapes, values and pictures of transposed convolutions, exactly as PyTorch.

>>> from tconv_cli import ConvTranspose
>>> ConvTranspose(kernel_size=4, stride=2, padding=1).output_size((17, 17))
(34, 34)
>>> import tconv_cli
>>> layers = ["nn.Conv2d(3, 8, 3, stride=2)", "nn.ConvTranspose2d(8, 3, 3, 2)"]
>>> tconv_cli.chain(layers, (64, 64)).output
(63, 63)

The names below are the public API; they load lazily, so `import tconv_cli` imports no numpy,
PIL or rich (pictures and values load them when asked for).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name)
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.3.0"

__all__ = [
    "Conv",
    "ConvTranspose",
    "FrameworkLayer",
    "NoAnswer",
    "ParameterError",
    "Picture",
    "TconvError",
    "__version__",
    "chain",
    "design",
    "inspect",
    "unet",
]

_WHERE = {
    "Conv": "api",
    "ConvTranspose": "api",
    "FrameworkLayer": "api",
    "NoAnswer": "errors",
    "ParameterError": "errors",
    "TconvError": "errors",
    "Picture": "picture",
    "chain": "api_networks",
    "design": "api_networks",
    "inspect": "api_networks",
    "unet": "api_networks",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Every choice a user makes by name, defined once: the library checks against these, the command
line offers them, and tests walk them. Imports nothing, so any layer may use it.

>>> [c.value for c in Convention]
['torch', 'keras', 'tf', 'onnx', 'jax', 'caffe']
>>> Format.from_suffix(".PNG")
<Format.png: 'png'>
"""

from __future__ import annotations

from enum import Enum


class Choice(str, Enum):
    """A named choice; its value is the word a user types."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(c.value for c in cls)

    def __str__(self) -> str:
        return str(self.value)


class Convention(Choice):
    """Whose words a layer is written in (one module each in `tconv_cli.frameworks`)."""

    torch = "torch"
    keras = "keras"
    tf = "tf"
    onnx = "onnx"
    jax = "jax"
    caffe = "caffe"


class Target(Choice):
    """A deploy target (one module each in `tconv_cli.targets`)."""

    openvino = "openvino"
    tflite = "tflite"
    coreml = "coreml"
    tensorrt = "tensorrt"


#: Where `tconv port --to` writes a layer: a framework, or a deploy target.
Destination = Choice(  # type: ignore[call-overload]  # Enum's functional form, unknown to mypy
    "Destination", [(n, n) for n in (*Convention.names(), *Target.names())]
)


class Method(Choice):
    """How values are computed; all three agree (numeric)."""

    gather = "gather"
    scatter = "scatter"
    matrix = "matrix"


class Layout(Choice):
    """How arrays are given: bare spatial arrays of one channel, or PyTorch's tensor layouts."""

    plain = "plain"
    torch = "torch"


class View(Choice):
    """What a picture's frames show (scene). `conv` is the direct convolution's window."""

    gather = "gather"
    scatter = "scatter"
    overlap = "overlap"
    conv = "conv"
    pair = "pair"  # the direct convolution beside the transposed one (tconv_cli.views)
    matrix = "matrix"  # y = Cᵀx frame by frame
    resize = "resize"  # nearest upsampling + convolution beside the transposed convolution

    @property
    def compares(self) -> bool:
        """Whether the view is a board of panels (`tconv_cli.views`), not a scene."""
        return self in (View.pair, View.matrix, View.resize)


class Style(Choice):
    """How a picture looks: the conv_arithmetic projection, or flat side by side for slides."""

    arithmetic = "arithmetic"
    flat = "flat"


class Format(Choice):
    """Picture file formats, named by their usual suffix: raster images, SVG (text as text,
    for papers and slides) and HTML (a self-contained player of the frames)."""

    gif = "gif"
    png = "png"
    webp = "webp"
    svg = "svg"
    html = "html"
    pdf = "pdf"  # a handout: a sheet's A4 pages

    @property
    def vector(self) -> bool:
        """Written as text (SVG, HTML) rather than pixels."""
        return self in (Format.svg, Format.html)

    @classmethod
    def from_suffix(cls, suffix: str) -> Format | None:
        """The format a file suffix (`.gif`, `.PNG`…) names, or None."""
        try:
            return cls(suffix.lower().lstrip("."))
        except ValueError:
            return None

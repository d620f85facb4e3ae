"""Whole networks: a stack of layers read from their constructors' text, and a U-Net's skips.

One job per module: `layers` reads constructor text into specs, `printed` reads `print(model)`
text, `stack` runs sizes through a stack, `overlap` counts contributions per output cell,
`unets` solves a U-Net's decoder. This package re-exports their public names.

>>> [step.output for step in chain((7, 7), parse_layers(["ConvTranspose2d(8, 4, 4, 2, 1)"]))]
[(14, 14)]
"""

from __future__ import annotations

from .layers import ACCEPTED, PASS_THROUGH, Spec, parse_layer
from .overlap import OVERLAP_BUDGET, StackOverlap, overlap, overlap_counts
from .printed import parse_layers, read_text
from .stack import Step, axes, chain, output_sizes
from .unets import (
    DEFAULT_DOWN,
    DEFAULT_UP,
    SCAN_LIMIT,
    Decoder,
    UNet,
    axis_spec,
    decoder_step,
    exact,
    levels_of,
    nearest_exact,
    no_output_padding,
    unet,
)

from_text = read_text  # a file's text: a model's source, print(model), notes

# The names models/torch.py has used since before they were public.
_no_op = no_output_padding
_scan = nearest_exact
_axis_spec = axis_spec

__all__ = [
    "ACCEPTED",
    "DEFAULT_DOWN",
    "DEFAULT_UP",
    "OVERLAP_BUDGET",
    "PASS_THROUGH",
    "SCAN_LIMIT",
    "Decoder",
    "Spec",
    "StackOverlap",
    "Step",
    "UNet",
    "axes",
    "axis_spec",
    "chain",
    "decoder_step",
    "exact",
    "from_text",
    "levels_of",
    "nearest_exact",
    "no_output_padding",
    "output_sizes",
    "overlap",
    "overlap_counts",
    "parse_layer",
    "parse_layers",
    "read_text",
    "unet",
]

"""The one table from a library parameter's name to the command-line option that sets it.

The library raises `ParameterError(param, …)` with its own names (PyTorch's words); the CLI
turns them into flags here. A test checks that every name the library raises is in this table.
"""

#: Parameter name → option.
FLAGS = {
    "input": "--in",
    "kernel_size": "--kernel-size",
    "stride": "--stride",
    "padding": "--padding",
    "dilation": "--dilation",
    "output_padding": "--output-padding",
    "target": "--target",
    "in_channels": "--in-channels",
    "out_channels": "--out-channels",
    "groups": "--groups",
    "batch": "--batch",
    "x": "--input",
    "weight": "--weight",
    "bias": "--bias",
    "output_shape": "--output-shape",
    "pads": "--pads",
    "auto_pad": "--auto-pad",
    "to": "--to",
    "kernel": "--weight",
    "method": "--method",
    "layer": "--in",
    "rank": "--dims",
    "dims": "--dims",
    "convention": "--convention",
    "seed": "--seed",
    # design
    "factor": "--factor",
    "max_kernel": "--max-kernel",
    "start": "--from",
    "hop": "--hop",
    "stages": "--stages",
    "check": "--check",
    # networks (chain, unet)
    "layers": "LAYERS",
    "depth": "--depth",
    "valid": "--valid",
    # models (inspect)
    "source": "SOURCE",
    "input_shape": "--input-shape",
    "args": "--args",
    "fix": "--fix",
    # pictures (PictureOptions)
    "view": "--view",
    "style": "--style",
    "format": "--output",
    "output": "--output",
    "fps": "--fps",
    "loop": "--loop",
    "cell": "--cell",
    "frame": "--frame",
    "sheet": "--sheet",
    "max_frames": "--max-frames",
    "labels": "--no-labels",
    "animated": "--animated",
    "hold": "--hold",
    "width": "--width",
    "fit": "--fit",
    "frames": "--frames",
    "every": "--every",
    "row": "--row",
}

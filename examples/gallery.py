"""Regenerate the gallery with tconv itself: the seven transposed layers of conv_arithmetic
("A guide to convolution arithmetic for deep learning", Dumoulin & Visin), and what those
figures never show: dilation, asymmetric padding, the scatter view and the overlap pattern.

    python examples/gallery.py [OUTPUT_DIR]      # default: examples/gallery

Each picture is one `tconv animate` command, printed as it runs, so any of them can be
copied, changed and run on its own.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

# name: the options of `tconv animate`. Their direct convolutions in parentheses.
GALLERY = {
    # conv_arithmetic's transposed figures
    "no_padding_no_strides_transposed": "--in 2,2 -k 3 -s 1 -p 0",  # (i=4, k=3, s=1, p=0)
    "arbitrary_padding_no_strides_transposed": "--in 6,6 -k 4 -s 1 -p 2",  # (i=5, k=4, p=2)
    "same_padding_no_strides_transposed": "--in 5,5 -k 3 -s 1 -p 1",  # (i=5, k=3, p=1)
    "full_padding_no_strides_transposed": "--in 7,7 -k 3 -s 1 -p 2",  # (i=5, k=3, p=2)
    "no_padding_strides_transposed": "--in 2,2 -k 3 -s 2 -p 0",  # (i=5, k=3, s=2)
    "padding_strides_transposed": "--in 3,3 -k 3 -s 2 -p 1",  # (i=5, k=3, s=2, p=1)
    "padding_strides_odd_transposed": "--in 3,3 -k 3 -s 2 -p 1 --op 1",  # (i=6, k=3, s=2, p=1)
    # beyond them
    "dilation_transposed": "--in 3,3 -k 3 -s 1 -p 0 -d 2",
    "dilation_output_padding_transposed": "--in 3,3 -k 3 -s 1 -p 0 -d 2 --op 1",
    "asymmetric_rectangular_transposed": "--in 3,4 -k 3,2 -s 2 -p 0:1,0",
    "padding_strides_transposed_values_flat": "--in 3,3 -k 3 -s 2 -p 1 --values --style flat",
    "padding_strides_scatter": "--in 3,3 -k 3 -s 2 -p 1 --view scatter --values",
    "checkerboard_overlap": "--in 6,6 -k 3 -s 2 -p 1 --view overlap -o {out}.png",
    "even_overlap": "--in 6,6 -k 4 -s 2 -p 1 --view overlap -o {out}.png",
    # even taps, uneven sums: the checkerboard a constant input really gets
    "even_overlap_values": "--in 6,6 -k 4 -s 2 -p 1 --view overlap --values -o {out}.png",
    "padding_strides_conv": "--in 5,5 -k 3 -s 2 -p 1 --conv",
    # views that compare: the conv beside its transposed one, y = Cᵀx, resize vs transposed
    "padding_strides_pair": "--in 3,3 -k 3 -s 2 -p 1 --view pair",
    "padding_strides_matrix": "--in 3,3 -k 3 -s 2 -p 1 --view matrix --values",
    "checkerboard_resize": "--in 4,4 -k 3 -s 2 -p 1 --view resize",
    # a slide: the whole figure within 1280×720, the sum of the cell being computed
    "slide_fit_values": "--in 8,8 -k 3 -s 2 -p 1 --values --fit 1280x720 --frame 50 -o {out}.png",
    # vector and interactive: one frame as SVG, and the player (open it in a browser)
    "padding_strides_transposed_frame": "--in 3,3 -k 3 -s 2 -p 1 --values --frame 13 -o {out}.svg",
    "padding_strides_transposed_player": "--in 3,3 -k 3 -s 2 -p 1 --values -o {out}.html",
}


def main() -> None:
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "gallery")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, options in GALLERY.items():
        out = out_dir / name
        args = shlex.split(options.format(out=out))
        if "-o" not in args:
            args += ["-o", f"{out}.gif"]
        command = ["tconv", "animate", *args, "--force"]
        print("$", shlex.join(command), flush=True)
        subprocess.run([sys.executable, "-m", "tconv_cli", *command[1:]], check=True)


if __name__ == "__main__":
    main()

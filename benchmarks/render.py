"""Measure the picture renderer (`render.encode`) against its two targets, in this process.

A. Size: the classic figure (ConvTranspose2d k=3, s=2, p=1 on 3×3; 25 frames; gather view,
   default settings) as a GIF, in bytes per pixel of one frame, against conv_arithmetic's
   original (272,498 bytes for 395×449 px). Target: ratio ≤ 0.5.
B. Speed: a 32×32 output (i=16, k=3, s=2, p=1, op=1; 1,024 frames), default settings, the
   whole job (build the scene, draw, encode the GIF), in frames per second. Target: ≥ 200.

    python benchmarks/render.py [--runs 3] [--save DIR]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from tconv_cli import scene
from tconv_cli.geometry import Axis
from tconv_cli.picture import PictureOptions
from tconv_cli.render import encode

ORIGINAL_BYTES_PER_PIXEL = 272_498 / (395 * 449)
SIZE_TARGET = 0.5
SPEED_TARGET = 200.0


def gif(layer, progress=None) -> tuple[bytes, tuple[int, int]]:
    """The layer's gather view as a GIF with default settings; its bytes and frame size."""
    stream = io.BytesIO()
    size = encode.write(scene.build(layer), stream, PictureOptions(format="gif"), progress)
    return stream.getvalue(), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of B (median)")
    parser.add_argument("--save", type=Path, help="also write both GIFs into this directory")
    args = parser.parse_args()

    classic = (Axis(3, 3, 2, 1, 1),) * 2
    data, (width, height) = gif(classic)
    per_pixel = len(data) / (width * height)
    ratio = per_pixel / ORIGINAL_BYTES_PER_PIXEL
    print(f"A. classic GIF: {len(data):,} bytes, {width}×{height} px, 25 frames: "
          f"{per_pixel:.3f} bytes/px, original {ORIGINAL_BYTES_PER_PIXEL:.3f}")
    print(f"   ratio ours/original: {ratio:.3f}   target ≤ {SIZE_TARGET:g}: "
          f"{'met' if ratio <= SIZE_TARGET else 'NOT met'}")

    large = (Axis(16, 3, 2, 1, 1, 1, 1),) * 2
    frames = scene.frame_count(large, "gather")
    gif(classic)  # warm up: imports, fonts
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        big, (width, height) = gif(large)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    rate = frames / seconds
    print(f"B. 32×32 output GIF: {frames} frames of {width}×{height} px, {len(big):,} bytes, "
          f"median of {args.runs}: {seconds:.2f} s")
    print(f"   {rate:.0f} frames/s, ratio to target {rate / SPEED_TARGET:.2f}   "
          f"target ≥ {SPEED_TARGET:g} frames/s: {'met' if rate >= SPEED_TARGET else 'NOT met'}")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        (args.save / "classic.gif").write_bytes(data)
        (args.save / "large.gif").write_bytes(big)


if __name__ == "__main__":
    main()

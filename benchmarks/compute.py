"""Time `numeric.conv_transpose` (default method) against PyTorch CPU on a real decoder layer.

Input (8, 64, 32, 32), weight (64, 32, 4, 4), stride 2, padding 1, float32: the median of
several alternating runs each, in this process. Target: ours ≤ 2 × torch.

    python benchmarks/compute.py [--runs 15] [--dtype float32]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from tconv_cli.geometry import make_layer
from tconv_cli.numeric import conv_transpose

TARGET = 2.0


def median_seconds(first, second, runs: int) -> tuple[float, float]:
    """Median time of each function, run alternately so that a change of load hits both."""
    first(), second()  # warm up: first-call allocations, thread pools
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for run, spent in zip((first, second), times):
            start = time.perf_counter()
            run()
            spent.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 32, 32)).astype(args.dtype)
    weight = rng.standard_normal((64, 32, 4, 4)).astype(args.dtype)
    layer = make_layer((32, 32), (4,), (2,), ((1, 1),))
    tx, tw = torch.from_numpy(x), torch.from_numpy(weight)

    def ours():
        return conv_transpose(x, weight, layer)

    def theirs():
        return torch.nn.functional.conv_transpose2d(tx, tw, stride=2, padding=1)

    difference = np.abs(ours() - theirs().numpy()).max()
    t_ours, t_torch = median_seconds(ours, theirs, args.runs)
    ratio = t_ours / t_torch
    print(
        f"conv_transpose2d {tuple(x.shape)} × {tuple(weight.shape)}, s=2, p=1, {args.dtype}, "
        f"median of {args.runs} (torch threads: {torch.get_num_threads()})"
    )
    print(f"  numeric (gather): {t_ours * 1e3:8.2f} ms")
    print(f"  torch CPU:        {t_torch * 1e3:8.2f} ms")
    print(
        f"  ratio ours/torch: {ratio:8.2f}   target ≤ {TARGET:g}: "
        f"{'met' if ratio <= TARGET else 'NOT met'}   (max |difference| {difference:.2g})"
    )


if __name__ == "__main__":
    main()

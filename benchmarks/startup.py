"""Cold-start time of `tconv shape` against bare `import typer` and a PyTorch one-liner.

Each command runs in a fresh process, alternating, and the median wall time is reported with
ratios to `import typer` measured in the same run. Targets: tconv shape ≤ 1.2× import typer,
≥ 10× faster than PyTorch computing the same size.

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TYPER_TARGET = 1.2  # tconv shape's start, in times bare `import typer`'s


def tconv_command() -> list[str]:
    script = Path(sys.executable).with_name("tconv")
    if script.exists():
        return [str(script)]
    found = shutil.which("tconv")
    return [found] if found else [sys.executable, "-m", "tconv_cli"]


COMMANDS = {
    "import typer": [sys.executable, "-c", "import typer"],
    "tconv shape --in 3": [*tconv_command(), "shape", "--in", "3"],
    "tconv inverse --target 6": [*tconv_command(), "inverse", "--target", "6"],
    "tconv chain (2 layers)": [
        *tconv_command(),
        "chain",
        "--in",
        "64,64",
        "nn.Conv2d(3, 8, 3)",
        "nn.ConvTranspose2d(8, 3, 4, stride=2, padding=1)",
    ],
    "tconv unet --in 101,75": [*tconv_command(), "unet", "--in", "101,75"],
    "torch one-liner": [
        sys.executable,
        "-c",
        "import torch; print(torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1)"
        "(torch.zeros(1, 1, 3)).shape[-1])",
    ],
}


# Users' installs hold compiled bytecode; a PYTHONDONTWRITEBYTECODE in this shell would make an
# editable install recompile tconv at every start and measure that instead.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    commands = dict(COMMANDS)
    for name, command in COMMANDS.items():  # warm the file cache once; drop what cannot run
        if subprocess.run(command, capture_output=True, env=ENV).returncode:
            print(f"skipped: {name} does not run here (is torch installed?)")
            del commands[name]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=ENV)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["import typer"]
    torch = medians.get("torch one-liner", float("nan"))
    print(f"{'command':28} {'median':>9} {'÷ typer':>8} {'torch ÷':>8}")
    for name, median in medians.items():
        print(f"{name:28} {median * 1000:7.1f}ms {median / base:7.2f}× {torch / median:7.1f}×")
    shape = medians["tconv shape --in 3"]
    print(
        f"\ntconv shape: {shape / base:.2f}× import typer (target ≤ {TYPER_TARGET:g}×: "
        f"{'met' if shape / base <= TYPER_TARGET else 'NOT met'}), "
        f"{torch / shape:.1f}× faster than torch (target ≥ 10×)"
    )


if __name__ == "__main__":
    main()

"""`tconv inspect file.py:Model` against importing torch and building the model, in one run.

Each command runs in a fresh process, alternating; the median wall time is reported, with
what tconv adds to the baseline (import torch, import the file, build the model on the CPU) and
the ratio. Target: tconv inspect within 1 s of the baseline, at a size that runs and at one that
fails (where tconv repairs every decoder step and searches the nearest inputs).

    python benchmarks/inspect_torch.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "examples" / "models" / "unet.py"
BUILD = (
    f"import importlib.util, torch; spec = importlib.util.spec_from_file_location('m', "
    f"{str(MODEL)!r}); m = importlib.util.module_from_spec(spec); "
    "spec.loader.exec_module(m); m.UNet()"
)
COMMANDS = {
    "import torch, build UNet": [sys.executable, "-c", BUILD],
    "tconv inspect, 1,3,96,72 (runs)": [
        sys.executable,
        "-m",
        "tconv_cli",
        "inspect",
        f"{MODEL}:UNet",
        "--input",
        "1,3,96,72",
    ],
    "tconv inspect, 1,3,101,75 (fails)": [
        sys.executable,
        "-m",
        "tconv_cli",
        "inspect",
        f"{MODEL}:UNet",
        "--input",
        "1,3,101,75",
    ],
}
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():  # warm the file cache once
        subprocess.run(command, capture_output=True, env=ENV, cwd=ROOT)
    for _ in range(runs):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, env=ENV, cwd=ROOT)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["import torch, build UNet"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:36} {median:6.2f} s  +{median - base:5.2f} s  {median / base:4.2f}×")


if __name__ == "__main__":
    main()

"""Measure the picture renderer (`render.encode`) against its targets, in this process, and
against an earlier version of tconv (`--baseline`) in the same run.

A. Size: the classic figure (ConvTranspose2d k=3, s=2, p=1 on 3×3; 25 frames; gather view,
   default settings) as a GIF, in bytes per pixel of one frame, against conv_arithmetic's
   original (272,498 bytes for 395×449 px). Target: ratio ≤ 0.5.
B. Speed: a 32×32 output (i=16, k=3, s=2, p=1, op=1; 1,024 frames), default settings, the
   whole job (build the scene, draw, encode the GIF), in frames per second. Targets: ≥ 200;
   and issue 18's, ≥ 3× the baseline's frames per second by the wall clock (what this
   benchmark measured when the issue was written: its "425 frames/s").
C. Drawing alone: the same 1,024 frames brought onto the canvas one after the other (what
   changes from frame to frame is repainted), without encoding, in frames per second; and
   drawn whole instead (every cell on a copy of the background), one frame in 32 timed.
   No target: it says how much of B is drawing.
D. Formats: a 15×15 output (i=8, k=3, s=2, p=1; 225 frames) as GIF, APNG and WebP: APNG and
   WebP within 2× of GIF's time.
E. The classic figure as a whole process: `python -m tconv_cli animate -o a.gif`. Target:
   ≤ 0.3 s.

Times are CPU seconds (`time.process_time`; the machine may be shared), except B's wall
clock (the encoder runs on two threads beside the drawing) and E: the wall clock and CPU
time of child processes (after one that compiles the modules, as an installed package has
them compiled). Each version is measured in a child process of its own, `--rounds` times,
this checkout's and the baseline's in turn (a git revision, default the commit issue 18
started from; `git archive` of its tconv_cli), and each time is the least of its rounds:
a shared machine's speed drifts within minutes, and a version measured while it was slow
would look slow. Then the ratios old/new are printed.

    python benchmarks/render.py [--runs 3] [--rounds 3] [--save DIR]
                                [--baseline REV | --no-baseline]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ORIGINAL_BYTES_PER_PIXEL = 272_498 / (395 * 449)
SIZE_TARGET = 0.5
SPEED_TARGET = 200.0
SPEEDUP_TARGET = 3.0
FORMAT_TARGET = 2.0
PROCESS_TARGET = 0.3
BASELINE = "c9b95cd"  # main when issue 18 was started: every frame's changes drawn afresh
ROOT = Path(__file__).resolve().parent.parent


def _timed(job, runs: int, clock=time.process_time) -> float:
    """The median seconds (CPU seconds of this process, by default) of `runs` calls of
    `job`."""
    times = []
    for _ in range(runs):
        start = clock()
        job()
        times.append(clock() - start)
    return statistics.median(times)


def measure(runs: int, save: Path | None = None) -> dict:
    """Every measurement of A–E, as numbers (the same keys for any version of tconv)."""
    import tconv_cli
    from tconv_cli import scene
    from tconv_cli.geometry import Axis
    from tconv_cli.picture import PictureOptions
    from tconv_cli.render import encode, raster

    # the class was raster.Picture before issue 19 renamed it
    RasterFrames = getattr(raster, "RasterFrames", None) or raster.Picture  # noqa: N806

    def picture(layer, fmt="gif") -> tuple[bytes, tuple[int, int]]:
        stream = io.BytesIO()
        size = encode.write(scene.build(layer), stream, PictureOptions(format=fmt))
        return stream.getvalue(), size

    classic = (Axis(3, 3, 2, 1, 1),) * 2
    data, (width, height) = picture(classic)
    large = (Axis(16, 3, 2, 1, 1, 1, 1),) * 2
    frames = scene.frame_count(large, "gather")
    found: dict = {"classic_bytes": len(data), "classic_size": [width, height], "frames": frames}
    found["gif_seconds"] = _timed(lambda: found.update(large_bytes=len(picture(large)[0])), runs)
    found["gif_wall_seconds"] = _timed(lambda: picture(large), runs, time.perf_counter)

    def draw() -> None:
        drawn = RasterFrames(scene.build(large), "arithmetic", 28, True)
        found["large_size"] = list(drawn.size)
        for _ in drawn.frames():
            pass

    found["draw_seconds"] = _timed(draw, runs)
    drawn = RasterFrames(scene.build(large), "arithmetic", 28, True)
    if hasattr(drawn, "forget"):  # a full redraw of every frame on the background, sampled
        sample = range(0, frames, 32)

        def redraw() -> None:
            for n in sample:
                drawn.forget()
                drawn.show(n)

        found["redraw_seconds"] = _timed(redraw, runs) * frames / len(sample)
    middle = (Axis(8, 3, 2, 1, 1),) * 2
    found["formats_frames"] = scene.frame_count(middle, "gather")
    for fmt in ("gif", "png", "webp"):
        found[f"{fmt}_middle_seconds"] = _timed(lambda fmt=fmt: picture(middle, fmt), 1)
    wall, cpu = [], []
    env = dict(os.environ, PYTHONPATH=str(Path(tconv_cli.__file__).parent.parent))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules compiled once
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs + 1):  # the first compiles what is not compiled yet
            start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [sys.executable, "-m", "tconv_cli", "animate", "-o", "a.gif", "--force"],
                cwd=folder,
                check=True,
                capture_output=True,
                env=env,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if run:
                wall.append(time.perf_counter() - start)
                cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    found["process_seconds"], found["process_cpu_seconds"] = min(wall), min(cpu)
    if save:
        save.mkdir(parents=True, exist_ok=True)
        (save / "classic.gif").write_bytes(data)
        (save / "large.gif").write_bytes(picture(large)[0])
    return found


def child(runs: int, revision: str | None = None) -> dict | None:
    """`measure` in a child process: of this checkout's tconv_cli, or of `revision`'s (git
    archive); None without git or the revision."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(ROOT)
        if revision is not None:
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", revision, "tconv_cli"],
                check=False,
                capture_output=True,
            )
            if archive.returncode:
                print(f"(no baseline: {archive.stderr.decode().strip()})")
                return None
            subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
            path = folder
        found = subprocess.run(
            [sys.executable, __file__, "--json", "--runs", str(runs), "--no-baseline"],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
            env=dict(os.environ, PYTHONPATH=path),
        )
        return json.loads(found.stdout)


def least(rounds: list[dict]) -> dict:
    """The rounds' numbers as one: each time the least of its rounds."""
    merged = dict(rounds[-1])
    for key in merged:
        if key.endswith("seconds"):
            merged[key] = min(found[key] for found in rounds)
    return merged


def report(new: dict, old: dict | None) -> None:
    def ratio(key: str, inverse: bool = False) -> str:
        if old is None:
            return ""
        value = old[key] / new[key] if inverse else new[key] / old[key]
        return f"   ({'speed-up' if inverse else 'ratio'} vs baseline: {value:.2f}×)"

    width, height = new["classic_size"]
    per_pixel = new["classic_bytes"] / (width * height)
    size_ratio = per_pixel / ORIGINAL_BYTES_PER_PIXEL
    print(
        f"A. classic GIF: {new['classic_bytes']:,} bytes, {width}×{height} px, 25 frames: "
        f"{per_pixel:.3f} bytes/px, original {ORIGINAL_BYTES_PER_PIXEL:.3f}"
    )
    print(
        f"   ratio ours/original: {size_ratio:.3f}   target ≤ {SIZE_TARGET:g}: "
        f"{'met' if size_ratio <= SIZE_TARGET else 'NOT met'}"
    )
    frames = new["frames"]
    rate = frames / new["gif_seconds"]
    width, height = new["large_size"]
    print(
        f"B. 32×32 output GIF: {frames} frames of {width}×{height} px, "
        f"{new['large_bytes']:,} bytes: {new['gif_seconds']:.2f} s, {rate:.0f} frames/s"
        + ratio("gif_seconds", True)
    )
    print(
        f"   wall clock: {new['gif_wall_seconds']:.2f} s, {frames / new['gif_wall_seconds']:.0f} "
        "frames/s (the encoder works beside the drawing)" + ratio("gif_wall_seconds", True)
    )
    print(f"   target ≥ {SPEED_TARGET:g} frames/s: {'met' if rate >= SPEED_TARGET else 'NOT met'}")
    if old is not None:
        speedup = old["gif_wall_seconds"] / new["gif_wall_seconds"]
        print(
            f"   issue 18's target, ≥ {SPEEDUP_TARGET:g}× the baseline's frames/s by the wall "
            f"clock: {'met' if speedup >= SPEEDUP_TARGET else 'NOT met'}"
        )
    draw = frames / new["draw_seconds"]
    print(
        f"C. drawing the same frames alone: {new['draw_seconds']:.2f} s, {draw:.0f} frames/s"
        + ratio("draw_seconds", True)
    )
    if "redraw_seconds" in new:
        print(
            f"   a full redraw of each frame instead (every cell on the background, 1 frame "
            f"in 32 timed): {frames / new['redraw_seconds']:.0f} frames/s, "
            f"{new['redraw_seconds'] / new['draw_seconds']:.1f}× slower"
        )
    gif = new["gif_middle_seconds"]
    print(
        f"D. 15×15 output ({new['formats_frames']} frames): GIF {gif:.2f} s, APNG "
        f"{new['png_middle_seconds']:.2f} s ({new['png_middle_seconds'] / gif:.1f}× GIF), "
        f"WebP {new['webp_middle_seconds']:.2f} s ({new['webp_middle_seconds'] / gif:.1f}× "
        "GIF)"
    )
    if old is not None:
        print(
            f"   baseline: APNG {old['png_middle_seconds'] / old['gif_middle_seconds']:.1f}×"
            f", WebP {old['webp_middle_seconds'] / old['gif_middle_seconds']:.1f}× its GIF"
        )
    worst = max(new["png_middle_seconds"], new["webp_middle_seconds"]) / gif
    print(f"   target ≤ {FORMAT_TARGET:g}× GIF: {'met' if worst <= FORMAT_TARGET else 'NOT met'}")
    seconds = new["process_seconds"]
    print(
        f"E. `tconv animate -o a.gif` (the classic figure) as a process: {seconds:.2f} s, "
        f"{new['process_cpu_seconds']:.2f} s of CPU" + ratio("process_cpu_seconds", True)
    )
    print(f"   target ≤ {PROCESS_TARGET:g} s: {'met' if seconds <= PROCESS_TARGET else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of B, C and E (median)")
    parser.add_argument("--save", type=Path, help="also write both GIFs into this directory")
    parser.add_argument("--baseline", default=BASELINE, help="the git revision to compare with")
    parser.add_argument("--no-baseline", action="store_true", help="measure this version only")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both versions, in turn")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    if "PYTHONPATH" not in os.environ:  # this checkout's tconv_cli, not an installed one
        sys.path.insert(0, str(ROOT))
    if args.json or args.no_baseline:
        new = measure(args.runs, args.save)
        if args.json:
            print(json.dumps(new))
        else:
            report(new, None)
        return
    if args.save:
        measure(1, args.save)
    news, olds = [], []
    for _ in range(args.rounds):  # in turn: a drift in the machine's speed touches both
        news.append(child(args.runs))
        olds.append(child(args.runs, args.baseline))
    report(least(news), None if None in olds else least(olds))


if __name__ == "__main__":
    main()

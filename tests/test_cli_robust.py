"""One test per crash of issue 8 in `compute` and `explain`: each now exits 1 or 2 with one line
that says why, writes nothing, and is refused before any large allocation."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
from helpers import refused, run

from tconv_cli import numeric
from tconv_cli.errors import NoAnswer, ParameterError
from tconv_cli.files import write_atomically
from tconv_cli.geometry import Axis

SMALL = ["--input", "[1,2]", "--weight", "[1,1]", "-s", "1", "-p", "0"]


# --- paths that cannot be written ------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/y.npy", "missing is not a folder"),
        ("/proc/y.npy", "No such file or directory"),
        ("a" * 300 + ".npy", "File name too long"),
    ],
)
def test_save_where_nothing_can_be_written(tmp_path, monkeypatch, where, reason):
    monkeypatch.chdir(tmp_path)
    refused(run("compute", *SMALL, "--save", where), 1, "cannot write", reason)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_save_in_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    refused(run("compute", *SMALL, "--save", str(folder / "y.npy")), 1, "Permission denied")
    assert list(folder.iterdir()) == []


def test_the_atomic_writer_names_the_path_and_reason_and_leaves_nothing(tmp_path):
    """What `animate -o` and `compute --save` share: an OSError while writing is NoAnswer."""

    def full_disk(stream):
        stream.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(NoAnswer, match=r"cannot write .*y\.gif: No space left on device"):
        write_atomically(tmp_path / "y.gif", full_disk)
    with pytest.raises(NoAnswer, match="cannot write /proc/y.gif: No such file or directory"):
        write_atomically(tmp_path.parent / "/proc/y.gif", lambda stream: None)
    assert list(tmp_path.iterdir()) == []


def test_a_dangling_symlink_is_not_replaced_without_force(tmp_path):
    link = tmp_path / "y.npy"
    link.symlink_to(tmp_path / "nowhere")
    refused(run("compute", *SMALL, "--save", str(link)), 1, "exists; pass --force")
    assert link.is_symlink()
    assert run("compute", *SMALL, "--save", str(link), "--force").exit_code == 0
    assert np.load(link).tolist() == [1, 3, 2]


def test_options_are_checked_before_the_overwrite(tmp_path):
    out = tmp_path / "y.npy"
    out.write_bytes(b"keep")
    refused(run("compute", *SMALL, "-s", "0", "--save", str(out)), 2, "--stride 0")
    assert out.read_bytes() == b"keep"


# --- arrays that cannot be read --------------------------------------------------------------


def test_literals_nested_deeper_than_an_array_can_be():
    literal = "[" * 100 + "1" + "]" * 100
    refused(
        run("compute", "--input", literal, "--weight", "[1]"),
        2,
        "--input",
        "nests lists more than 8 deep",
    )


def test_float128_npy_is_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.ones(3, np.longdouble))
    refused(
        run("compute", "--input", str(tmp_path / "x.npy"), "--weight", "[1]", "--json"),
        2,
        "float128",
        "float16/32/64",
    )


def test_a_header_claiming_2_to_the_40_elements_is_refused_unread(tmp_path):
    path = tmp_path / "x.npy"
    with open(path, "wb") as stream:
        np.lib.format.write_array_header_1_0(
            stream, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)}
        )
        stream.write(b"\0" * 64)
    start = time.perf_counter()
    refused(
        run("compute", "--input", str(path), "--weight", "[1]"),
        2,
        "(1099511627776,)",
        "8.0 TiB",
        "more than the 1.0 GiB",
    )
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("literal", ["[1e309]", "[-1e309, 1]"])
def test_non_finite_values_are_refused_so_json_stays_json(literal):
    refused(
        run("compute", "--input", literal, "--weight", "[1]", "-p", "0", "--json"),
        2,
        "--input",
        "every value must be finite",
    )


def test_an_output_that_overflows_is_refused():
    refused(
        run("compute", "--input", "[1e308]", "--weight", "[10]", "-p", "0", "--json"),
        1,
        "overflows float64",
    )


# --- sizes beyond the memory budget ----------------------------------------------------------


def test_an_output_beyond_the_budget_is_refused_up_front():
    start = time.perf_counter()
    refused(
        run("compute", "--input", "[[1,2],[3,4]]", "--weight", "[[1,1],[1,1]]", "-s", "65535"),
        2,
        "would need 32.0 GiB",
        "lower stride",
    )
    assert time.perf_counter() - start < 1


def test_a_large_stride_costs_only_its_output(tmp_path):
    """Gather visits only the phases some tap reaches: a stride of 10^6 on 3 inputs is fast."""
    start = time.perf_counter()
    y = numeric.conv_transpose([[1.0, 2.0, 3.0]], [[[1.0, 1.0]]], (Axis(3, 2, 10**6),))
    assert time.perf_counter() - start < 1
    assert y.shape == (1, 2 * 10**6 + 2) and y.sum() == 12 and np.count_nonzero(y) == 6


@pytest.mark.slow
def test_json_of_millions_of_values_is_refused_with_save_as_the_way(tmp_path):
    np.save(tmp_path / "x.npy", np.ones(10**5))
    refused(
        run(
            "compute",
            "--input",
            str(tmp_path / "x.npy"),
            "--weight",
            "[1,1,1]",
            "-s",
            "300",
            "-p",
            "0",
            "--json",
        ),
        2,
        "--json",
        "--save",
    )
    out = tmp_path / "y.npy"
    result = run(
        "compute",
        "--input",
        str(tmp_path / "x.npy"),
        "--weight",
        "[1,1,1]",
        "-s",
        "300",
        "-p",
        "0",
        "--save",
        str(out),
    )
    assert result.exit_code == 0 and np.load(out).shape == (29_999_703,)


def test_the_budget_is_checked_in_the_library():
    with pytest.raises(ParameterError, match=r"would need 32\.0 GiB .* more than the 1\.0 GiB"):
        numeric.conv_transpose(
            np.ones((1, 2, 2)), np.ones((1, 1, 2, 2)), (Axis(2, 2, 65535), Axis(2, 2, 65535))
        )
    with pytest.raises(ParameterError, match="every value must be finite"):
        numeric.conv_transpose([[np.nan]], [[[1.0]]], (Axis(1, 1),))


# --- explain ---------------------------------------------------------------------------------


def test_explain_negative_seed():
    refused(run("explain", "--random", "--seed", "-1"), 2, "--seed -1: seed must be at least 0")


def test_explain_random_values_of_a_huge_layer_are_refused_fast():
    start = time.perf_counter()
    refused(
        run("explain", "--random", "--in", "100000000", "--dims", "1"),
        2,
        "--random",
        "200,000,001 values",
    )
    assert time.perf_counter() - start < 1
    data = json.loads(run("explain", "--in", "100000000", "--json").stdout)  # steps work
    assert data["layer"]["output"] == [199999999, 199999999]


# --- special files given with --force: written into, never replaced ---------------------------


def test_a_fifo_given_with_force_is_written_into_and_stays_a_fifo(tmp_path):
    import stat
    import threading

    fifo = tmp_path / "frames.gif"
    os.mkfifo(fifo)
    received = []

    def reader():
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    result = run("animate", "-o", str(fifo), "--force")
    thread.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].startswith(b"GIF89a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames.gif"]  # no temporary left


def test_dev_null_keeps_its_identity(tmp_path):
    """`-o /dev/null --force` (here through a link with the suffix tconv wants) writes into the
    device: as root, a rename would have replaced /dev/null with a regular file."""
    before = os.stat("/dev/null")
    link = tmp_path / "null.npy"
    link.symlink_to("/dev/null")
    result = run("compute", *SMALL, "--save", str(link), "--force")
    assert result.exit_code == 0, result.output
    after = os.stat("/dev/null")
    assert (after.st_rdev, after.st_ino, after.st_mode) == (
        before.st_rdev,
        before.st_ino,
        before.st_mode,
    )
    assert link.is_symlink()


def test_a_layer_its_framework_refuses_writes_nothing(tmp_path):
    """Issue 17: `compute -c keras --groups 2 … --save` wrote the file, then failed."""
    target = tmp_path / "out.npy"
    result = run(
        "compute",
        "--layout",
        "torch",
        "--groups",
        "2",
        "-c",
        "keras",
        "-p",
        "same",
        "--input",
        "[[[1,2],[3,4]],[[1,2],[3,4]]]",
        "--weight",
        "[[[[1]]],[[[1]]]]",
        "-k",
        "1",
        "-s",
        "2",
        "--save",
        str(target),
    )
    refused(result, 2, "--groups 2", "keras")
    assert list(tmp_path.iterdir()) == []

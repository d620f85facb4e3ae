"""`--json` carries every note and warning the text prints: random valid command lines of
every command that prints notes, the text's `note:`/`warning:` lines looked for in the JSON."""

from __future__ import annotations

import json
import re

from helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NOTE = re.compile(r"^\s*(?:note|warning): (.*)$")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _squeezed(text: str) -> str:
    return " ".join(text.split())


@st.composite
def geometry(draw) -> list[str]:
    """Mostly valid layers in each convention's words (a few are refused: both exit 2)."""
    k, s, d = draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    p, op = draw(st.integers(0, 2)), draw(st.integers(0, max(s, d) - 1))
    words = draw(
        st.sampled_from(
            [
                ["-p", str(p), "--op", str(op)],
                ["-p", f"{p}:{p + 1}"],
                ["-c", "keras", "-p", "same", "--op", str(min(op, s - 1))],
                ["-c", "keras", "-p", "valid"],
                ["-c", "tf", "-p", "SAME"],
                ["-c", "onnx", "--auto-pad", "SAME_UPPER"],
                ["-c", "onnx", "--auto-pad", "SAME_LOWER", "--op", str(min(op, s - 1))],
                ["-c", "jax", "-p", "SAME"],
                ["-c", "caffe", "-p", str(p)],
            ]
        )
    )
    dilation = [] if "-c" in words and draw(st.booleans()) else ["-d", str(d)]
    return ["-k", str(k), "-s", str(s), *dilation, *words]


def commands():
    sizes = st.integers(1, 9).map(lambda i: ["--in", f"{i},{i + 1}"])
    up = st.sampled_from(
        [
            "nn.ConvTranspose2d(1, 1, 3, 2, 1, 1)",
            "nn.Upsample(scale_factor=2)",
            "ConvTranspose2d(1, 1, 4, stride=2, padding=1)",
        ]
    )
    return st.one_of(
        st.builds(lambda g, i: ["shape", *g, *i], geometry(), sizes),
        st.builds(
            lambda g, i, t: ["inverse", *g, *i, "--target", str(t)],
            geometry(),
            sizes,
            st.integers(1, 30),
        ),
        st.builds(
            lambda g, to: ["port", *g, "--from", "torch", "--to", to],
            st.builds(
                lambda k, s, p, op: ["-k", str(k), "-s", str(s), "-p", str(p), "--op", str(op)],
                st.integers(1, 5),
                st.integers(2, 4),
                st.integers(0, 2),
                st.integers(0, 1),
            ),
            st.sampled_from(["keras", "tf", "onnx", "jax", "caffe"]),
        ),
        st.builds(
            lambda g: ["compute", *g, "--input", "[1,2,3]", "--weight", "[1,0,2]", "--dims", "1"],
            geometry(),
        ),
        st.builds(
            lambda i, d, u: ["unet", "--in", str(i * 8 + 1) + ",64", "--depth", str(d), "--up", u],
            st.integers(2, 12),
            st.integers(1, 3),
            up,
        ),
        st.builds(
            lambda f, k, d: [
                "design",
                "--hop",
                str(f * 2),
                "--stages",
                "1",
                "-k",
                str(k),
                "-d",
                str(d),
            ],
            st.integers(2, 9),
            st.integers(2, 9),
            st.integers(1, 2),
        ),
        st.builds(lambda f: ["design", "--factor", str(f)], st.integers(2, 6)),
        st.builds(
            lambda i, extra: [
                "chain",
                "--in",
                str(i),
                "Sequential(\n  (0): ConvTranspose1d"
                "(1, 1, kernel_size=(4,), stride=(2,))\n" + extra + ")",
            ],
            st.integers(1, 9),
            st.sampled_from(
                [
                    "",
                    "  (1): Linear(in_features=4, out_features=4, bias=True)\n",
                    "  (1): Flatten(start_dim=1, end_dim=-1)\n  (2): MyBlock()\n",
                ]
            ),
        ),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(commands())
def test_every_note_of_the_text_is_in_the_json(args):
    text, data = run(*args), run(*args, "--json")
    assert text.exit_code == data.exit_code, (args, text.output, data.output)
    if text.exit_code != 0:
        return
    said = _squeezed(" ".join(_strings(json.loads(data.stdout))))
    for line in text.stdout.splitlines():
        found = NOTE.match(line)
        if found:
            first = _squeezed(found.group(1))
            assert first in said, (args, line, data.stdout)


def test_the_issues_keras_notes_are_in_the_json():
    args = ["shape", "-c", "keras", "-p", "same", "-k", "3", "-s", "2", "--op", "1"]
    assert "note:" in run(*args).stdout
    notes = json.loads(run(*args, "--json").stdout)["notes"]
    assert any("same" in note for note in notes)

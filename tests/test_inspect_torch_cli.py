"""tconv inspect on PyTorch sources as users keep them, and on code that misbehaves: a module
found from the current folder, a missing file or name answered without torch, a lazy module
left in sys.modules, a forward that exits or is interrupted, prints, loops or leaves threads,
and inputs PyTorch cannot hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import run

from tconv_cli.errors import ParameterError
from tconv_cli.models import inspect

ROOT = Path(__file__).resolve().parent.parent

NET = """
import sys
import torch
import torch.nn as nn

print("importing")


class Net(nn.Module):
    def __init__(self, stop=None):
        super().__init__()
        print("building")
        self.up = nn.ConvTranspose1d(1, 1, 2, stride=2)
        self.stop = stop

    def forward(self, x):
        print("forward")
        if self.stop == "exit":
            sys.exit(3)
        if self.stop == "interrupt":
            raise KeyboardInterrupt
        if self.stop == "error":
            raise ValueError("no shapes today")
        return torch.cat([x, self.up(x[..., ::2])], 1)
"""

LAZY = """
import sys, types
import torch.nn as nn

class Lazy(types.ModuleType):
    def __getattr__(self, name):
        raise ImportError("optional dependency missing")

sys.modules["some_lazy_optional_tconv_test"] = Lazy("some_lazy_optional_tconv_test")

def build():
    return nn.Conv1d(1, 1, 3)
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "mymodel.py").write_text(textwrap.dedent(NET), encoding="utf-8")
    return tmp_path


def _script(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """`tconv ARGS` as the installed script runs it: the current folder not on sys.path."""
    code = (
        "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
        "from tconv_cli.cli import app; sys.argv[0] = 'tconv'; app()"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "stop, said",
    [
        ("exit", "SystemExit: 3"),
        ("interrupt", "KeyboardInterrupt"),
        ("error", "ValueError: no shapes today"),
    ],
)
def test_a_forward_that_exits_raises_or_is_interrupted_is_reported(torch, folder, stop, said):
    result = run(
        "inspect",
        f"{folder}/mymodel.py:Net",
        "--input",
        "1,1,4",
        "--args",
        json.dumps({"stop": stop}),
        "--json",
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # nothing the model printed is in it
    assert data["error"]["message"] == f"forward fails in Net: {said}"
    # an error is tried again on the CPU (an exit or an interrupt is not)
    assert result.stderr.split() == ["importing", "building"] + ["forward"] * (
        1 if stop != "error" else 2
    )
    text = run(
        "inspect",
        f"{folder}/mymodel.py:Net",
        "--input",
        "1,1,4",
        "--args",
        json.dumps({"stop": stop}),
    )
    assert text.exit_code == 1 and f"error: forward fails in Net: {said}" in text.stdout
    assert "forward" not in text.stdout.splitlines()


def test_a_join_failure_in_json_has_every_key(torch, folder):
    result = run("inspect", f"{folder}/mymodel.py:Net", "--input", "1,1,5", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert set(error) == {
        "message",
        "join",
        "layers",
        "upstream",
        "sources",
        "sizes",
        "fix",
        "changes",
        "steps",
        "inputs",
    }
    assert error["sources"] == ["input", "input"]
    assert error["join"] == {
        "name": "Net",
        "op": "torch.cat",
        "shapes": [[1, 1, 5], [1, 1, 6]],
        "axis": 1,
    }
    assert error["inputs"] == {"below": [1, 1, 4], "above": [1, 1, 6]}


@pytest.mark.slow
def test_module_form_from_the_current_folder_under_the_script(torch, folder):
    done = _script("inspect", "mymodel:Net", "--input", "1,1,4", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mymodel:Net: 1 layer\n")
    assert done.stderr.split() == ["importing", "building", "forward"]


def test_missing_file_or_name_is_said_without_torch(folder, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    monkeypatch.chdir(folder)
    for source, said in (
        ("missing.py:Net", "missing.py does not exist"),
        (f"{folder}/mymodel.py:Nope", "has no Nope (nn.Module classes there: Net)"),
        ("mymodel:Nope", "mymodel has no Nope"),
        ("no_such_module_tconv:Net", "no module no_such_module_tconv in the current folder"),
    ):
        with pytest.raises(ParameterError) as error:
            inspect(source, input_shape=(1, 1, 4))
        assert said in error.value.rule, source


def test_a_lazy_module_left_in_sys_modules(torch, tmp_path):
    (tmp_path / "lazy.py").write_text(textwrap.dedent(LAZY), encoding="utf-8")
    try:
        found = inspect(f"{tmp_path}/lazy.py:build", input_shape=(1, 1, 8))
    finally:
        sys.modules.pop("some_lazy_optional_tconv_test", None)
    assert found.error is None and found.layers[0].output == [1, 1, 6]


@pytest.mark.parametrize(
    "args, shape, said",
    [
        ('{"a":' * 10_000 + "1" + "}" * 10_000, "1,1,4", "is nested too deeply to read"),
        (None, "1,3,1000000000,1000000000", "is too large for PyTorch"),
        (None, "1,2,4", "gives 2 channels, but the model's weights take 1 (up, ConvTranspose1d)"),
    ],
)
def test_inputs_pytorch_cannot_take_are_one_line(torch, folder, args, shape, said):
    extra = ["--args", args] if args else []
    result = run("inspect", f"{folder}/mymodel.py:Net", "--input", shape, *extra, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and said in errors[0]  # the rest is what the model printed


@pytest.mark.slow
def test_a_file_that_loops_is_stopped_by_the_time_limit(tmp_path):
    (tmp_path / "loops.py").write_text("while True:\n    pass\nNet = None\n", encoding="utf-8")
    done = _script("inspect", "loops.py:Net", "--input", "1,1,4", "--timeout", "1", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "Error: loops.py:Net: no answer within 1 s (--timeout 1): the "
        "model's code is still running\n"
    )


@pytest.mark.slow
def test_threads_left_running_do_not_keep_tconv_alive(torch, folder):
    (folder / "threads.py").write_text(
        textwrap.dedent("""
        import threading, time
        import torch.nn as nn

        threading.Thread(target=time.sleep, args=(3600,)).start()

        def build():
            return nn.ConvTranspose1d(1, 1, 2, stride=2)
    """),
        encoding="utf-8",
    )
    done = _script("inspect", "threads.py:build", "--input", "1,1,4", cwd=folder, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("threads.py:build: 1 layer")


def test_timeout_is_checked(folder):
    result = run("inspect", f"{folder}/mymodel.py:Net", "--input", "1,1,4", "--timeout", "0")
    assert result.exit_code == 2
    assert result.stderr == "Error: --timeout 0: must be between 0 and 86400 seconds\n"


@pytest.mark.slow
def test_torch_dynamo_is_not_imported_and_left_as_it_was(torch, folder):
    """tconv answers the meta kernels' one question to torch._dynamo itself; afterwards the
    real one is imported and asked as before."""
    code = textwrap.dedent(f"""
        import sys, torch
        from tconv_cli.models import inspect
        found = inspect({str(folder / "mymodel.py:Net")!r}, input_shape=(1, 1, 5))
        assert found.error is not None
        print("torch._dynamo" in sys.modules, "_dynamo" in vars(torch))
        torch.relu(torch.empty(2, device="meta"))  # the real one, now
        print("torch._dynamo" in sys.modules, torch._dynamo.disable.__module__)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.split("\n")[:2] == ["False False", "True torch._dynamo.decorators"], (
        done.stderr
    )


def test_a_search_cut_short_says_so(torch, folder, monkeypatch):
    from tconv_cli.models.torch import nearest

    monkeypatch.setattr(nearest, "MAX_RUNS", 2)
    found = inspect(f"{folder}/mymodel.py:Net", input_shape=(1, 1, 5))
    # 6 ran (the anchor), 5 failed; 4 was not tried
    assert found.error["inputs"] == {"below": None, "above": [1, 1, 6]}
    assert found.notes == [
        "the search for inputs that need no change stopped after 2 forwards "
        "(3 s at most): nearer ones may exist"
    ]


@pytest.mark.slow
def test_what_the_model_writes_to_descriptor_1_stays_out_of_json(torch, folder):
    (folder / "raw.py").write_text(
        textwrap.dedent("""
        import os
        import torch.nn as nn

        os.write(1, b"raw at import\\n")

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.up = nn.ConvTranspose1d(1, 1, 2, stride=2)

            def forward(self, x):
                os.write(1, b"raw in forward\\n")
                raise ValueError("no")
    """),
        encoding="utf-8",
    )
    done = _script("inspect", "raw.py:Net", "--input", "1,1,4", "--json", cwd=folder)
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["message"] == "forward fails in Net: ValueError: no"
    assert "raw at import" in done.stderr and "raw in forward" in done.stderr

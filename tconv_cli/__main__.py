"""`python -m tconv_cli` runs the command line."""

from .cli import app

app(prog_name="tconv")

"""tconv: shapes, values and pictures of transposed convolutions, exactly as PyTorch."""

__version__ = "0.1.0"

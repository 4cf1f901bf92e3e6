"""The `easel` command: generate, follow tasks, read the usage log, and run the simulator, from a shell."""

from easel.cli import (  # noqa: F401 - importing a command module registers it
    compare, generate, share, simulate, tasks, usage,
)
from easel.cli.main import main

__all__ = ["main"]

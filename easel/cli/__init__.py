"""The `easel` command: generate, follow tasks, read the usage log, and run the simulator, from a shell."""

# Importing a command module registers it.
from easel.cli import batch  # noqa: F401
from easel.cli import compare  # noqa: F401
from easel.cli import generate  # noqa: F401
from easel.cli import info  # noqa: F401
from easel.cli import prompts  # noqa: F401
from easel.cli import scorecard  # noqa: F401
from easel.cli import share  # noqa: F401
from easel.cli import simulate  # noqa: F401
from easel.cli import store  # noqa: F401
from easel.cli import tasks  # noqa: F401
from easel.cli import usage  # noqa: F401
from easel.cli import whoami  # noqa: F401
from easel.cli.main import main

__all__ = ["main"]

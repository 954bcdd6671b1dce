"""``python -m gaitlab`` runs the ``gaitlab`` command."""

import sys

from gaitlab.cli import run

# Guarded: a process started with "spawn" imports the main module again.
if __name__ == "__main__":
    sys.exit(run())

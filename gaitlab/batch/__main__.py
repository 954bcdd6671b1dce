"""``python -m gaitlab.batch INPUT... --out DIR``: the batch subcommand on its own."""

import sys

from gaitlab.batch.cli import main

# The guard matters: local workers are started with "spawn", which imports this module again.
if __name__ == "__main__":
    sys.exit(main())

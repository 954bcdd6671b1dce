"""``python -m gaitlab`` runs the ``gaitlab`` command."""

import sys

from gaitlab.cli import main

sys.exit(main())

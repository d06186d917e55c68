"""`python -m lib.fiche`: the command line of lib/fiche/cli.py (imported by nobody)."""

import sys

from lib.fiche import cli

sys.exit(cli.main())

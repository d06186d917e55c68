"""`python -m lib.data.store`: the command line of lib/data/store/cli.py (imported by nobody)."""

import sys

from lib.data.store import cli

sys.exit(cli.main())

"""`python -m lib.sources.demo`: the command line of lib/sources/demo/cli.py (imported by
nobody)."""

import sys

from lib.sources.demo import cli

sys.exit(cli.main())

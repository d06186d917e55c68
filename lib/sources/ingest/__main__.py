"""`python -m lib.sources.ingest`: the command line of lib/sources/ingest/cli.py (imported by
nobody)."""

import sys

from lib.sources.ingest import cli

sys.exit(cli.main())

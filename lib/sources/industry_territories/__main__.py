"""`python -m lib.sources.industry_territories`: the command line of
lib/sources/industry_territories/cli.py (imported by nobody)."""

import sys

from lib.sources.industry_territories import cli

sys.exit(cli.main())

"""`python -m lib.fiche.print_pdf`: as_pdf.child_main, in the child process (imported by nobody)."""

import sys

from lib.fiche import as_pdf

sys.exit(as_pdf.child_main())

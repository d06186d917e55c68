"""`python -m lib.fiche.print_pdf IN.html OUT.pdf [DRAW_TIMEOUT_MS]`: the child process that
prints one fiche for the app (lib/fiche/as_pdf.py's `pdf_bytes`; its code is `as_pdf.child_main`,
beside the parent that reads its exit status and last line of stderr)."""

"""What the pages are assembled from, beside the pages themselves (pages/<name>.py, one per
route of lib.web.urlstate.ROUTES): widgets and guards (components), a page's URL and its widgets
(wiring), sections on demand, the fiche's sections (fiche_*), the Importer's steps (access,
importing, versions). « parts » rather than « shared »: several serve one page only.

Not pages: Streamlit never runs them as scripts (streamlit_app.py declares its pages).
"""

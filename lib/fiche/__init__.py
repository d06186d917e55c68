"""The fiche as a document: its texts, its pages, HTML, PDF, the collection of every territory,
and the command line `python -m lib.fiche`. Stands on lib.core, lib.data and lib.charts.
"""

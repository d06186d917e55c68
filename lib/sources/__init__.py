"""Where data comes from: the customs files' readers, the checks of an import, the import itself,
the Territoires d'industrie lists and the synthetic demonstration dataset. Stands on lib.core
and lib.data's store.
"""

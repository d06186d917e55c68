"""The words, numbers and file formats every layer shares: configuration, the schema, flows,
territories, partners, reference tables, French formatting, CSV and Excel writing. Imports
nothing of the project outside lib.core.
"""

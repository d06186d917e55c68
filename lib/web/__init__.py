"""What the app serves besides Streamlit's pages, and the URL as the state: URL parsing, the table
registry, the API, the CSV and open-data downloads, the HTTP guards and the administrator's
access. Stands on lib.core and lib.data.
"""

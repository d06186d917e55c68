"""Commerce extérieur des territoires: data, queries and figures (no Streamlit here)."""

"""Plotly and folium figures, drawn from the frames lib.data returns (a chart receives frames and
never queries). Stands on lib.core only.
"""

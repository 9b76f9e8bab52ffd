"""Plotly figure builders (pure) and small Streamlit widgets shared by pages."""

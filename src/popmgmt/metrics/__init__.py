"""Statistics: pure polars/numpy functions, no Streamlit, no display text."""

"""Streamlit glue: loading and caching the marts, access and roles, annotations, shared widgets,
navigation."""

"""Colour themes loaded into Textual (see themes/ingle.py)."""

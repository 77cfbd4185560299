"""Pure GEO and literature parsers: bytes in, records and DataFrames out (no I/O)."""

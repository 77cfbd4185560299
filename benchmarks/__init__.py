"""Side-by-side benchmarks of omicskit against the prototype's approach (run ``benchmarks/run.py``)."""

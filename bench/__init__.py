"""Benchmarks: each module has a ``main()`` printing its figures; ``python -m bench`` runs all."""

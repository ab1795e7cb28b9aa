"""The unified job's internals: its data (``model``), what every provider's steps share
(``common``), where media is fetched from (``sources``), per-thread clients (``clients``), and
one module of steps per provider. The public face is :mod:`lipsync_core.jobs`.
"""

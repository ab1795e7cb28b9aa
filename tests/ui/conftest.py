"""The ui helpers run over the same real runtime as the pages' AppTests."""

from tests.views.conftest import runtime, sandbox_job_seconds

__all__ = ["runtime", "sandbox_job_seconds"]

"""The Status page's widgets: filters and pages of the history, the live summary."""

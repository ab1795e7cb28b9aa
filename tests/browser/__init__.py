"""Real-browser tests of the dashboard (marker ``browser``)."""

"""The Submit page's widgets: media inputs, providers and options, checks, cost, sending."""

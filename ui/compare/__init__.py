"""The Compare page's widgets: prices and estimates, measured statistics, side by side."""

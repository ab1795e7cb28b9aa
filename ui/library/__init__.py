"""The AusyncLab library page's widgets: the two lists, their actions and forms."""

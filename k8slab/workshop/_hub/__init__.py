"""The workshop hub: JupyterHub configuration, its classes, users, passwords and progress page."""

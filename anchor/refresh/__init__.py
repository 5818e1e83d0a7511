"""Refreshing profiles from their listening sources: the engine, the hourly pass, the worker's
scheduler process (daemon.py), the queue and the ops commands."""

"""Refreshing profiles from Spotify: the engine, the hourly pass, the worker and ops commands."""

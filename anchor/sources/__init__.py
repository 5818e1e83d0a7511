"""Listening sources: one adapter per service, all giving the same normalised data."""

"""The visitor's page of a profile: what it shows and its rendering, stored with every write.

Sits above the profile data it reads (profiles.service's read helpers, changelog, pagecopy,
listening) and below every module that writes a profile, so the one write path
(profiles/writes.py) renders on write through a plain import.
"""

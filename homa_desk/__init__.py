"""Homa Desk: the front desk of a small clinic."""

__version__ = "0.1.0"
APP_NAME = "homa-desk"
APP_TITLE = "Homa Desk"

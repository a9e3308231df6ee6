"""Reporting: registers, Excel exports, the exchange with the marketing system, the audit export
and the figures of the main window."""

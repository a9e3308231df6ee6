"""The hall: its record, windows and stored settings (``hall``), the settings an admin edits
(``settings_admin``), the catalog, working days, counter PCs and readable numbers."""

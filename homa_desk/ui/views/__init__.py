"""The pages the main window's sidebar switches between."""

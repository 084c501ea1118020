"""The desk's frame: start-up, sign-in and lock, the main window and its header, first-run wizard, shortcuts, help."""

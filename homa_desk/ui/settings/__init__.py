"""Settings, for admins: staff, clinic, doctors' hours and leave, backups and connections."""

"""The Appointments page: the day grid, booking dialogs, today's queue and the follow-ups to book."""

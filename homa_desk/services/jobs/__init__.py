"""Background jobs of a desk process, with no Qt: the outbox sender and the daily backup's schedule.

The UI only starts and stops them (ui/app.py), and lends what only it can do: the receipt PDF renderer for the
outbox, a QTimer and the worker pool for the backup schedule (ui/backup_scheduler.py).
"""

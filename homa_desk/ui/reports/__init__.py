"""The Payments page: payment history, the daily collection with close of day, charts and print."""

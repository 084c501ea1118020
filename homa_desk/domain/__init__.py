"""Plain data and rules of the clinic: no Qt, no database sessions."""

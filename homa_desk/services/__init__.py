"""Use cases of the desk. Each is one transaction through the unit of work; none knows about Qt."""

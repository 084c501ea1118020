"""The desk's Qt interface. It calls services through `worker.run_in_background` and never touches the database."""

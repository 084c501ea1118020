"""The doctor's workstation: the consultation, the prescription and its print."""

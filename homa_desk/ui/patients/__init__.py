"""The Patients page: search, registration, a patient's profile, bills and contact verification."""

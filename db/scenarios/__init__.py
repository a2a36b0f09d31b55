"""Scenarios: definition, validation, solve jobs, loading into the solver and storing results."""

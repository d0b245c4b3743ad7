"""Deterministic demo data: two cities, their units and civil servants, one account per role."""

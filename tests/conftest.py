"""Core's test configuration; the fixtures themselves come from ``portal.testing``."""

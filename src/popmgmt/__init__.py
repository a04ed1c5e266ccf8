"""popmgmt: population management for the first-line zones of Flanders."""

__version__ = "0.1.0"

"""Raw -> validated: raw schemas, validation, completeness, code lists, reference geography,
mart columns, demo generator, provenance."""

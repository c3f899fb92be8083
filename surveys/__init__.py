"""The evalsite domain core: models, services, scoring. Never imports flask."""

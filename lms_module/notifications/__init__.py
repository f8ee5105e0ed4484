"""Reminders, renewal notices, digests and escalations: in-app notices and e-mail, each once."""

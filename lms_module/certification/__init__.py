"""Certificates: issuing on completion, verification, revocation, bulk download, statuses."""

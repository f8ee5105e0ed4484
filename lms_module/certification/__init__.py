"""Certificates: issuing on completion, verification, revocation, bulk download, the
training-status page (over :mod:`lms_module.obligations`) and in-service periods."""

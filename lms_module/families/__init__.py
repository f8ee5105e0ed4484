"""Families: parents and caregivers linked to their children, their consent, their view."""

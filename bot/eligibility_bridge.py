"""Connects eligibility questions in the answer flow to the incentive engine (filled in below)."""

from __future__ import annotations


class EligibilityBridge:
    @classmethod
    def from_app(cls, app):
        return None

"""Test-wide fixtures: where the shared fixtures live, and which optional tiers may run."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The public FHIR and HL7 v2 artifacts in ``../shared/fixtures`` (never edited)."""
    path = SHARED / "fixtures"
    if not path.is_dir():
        pytest.fail(f"shared fixtures not found at {path}: clone with shared/ beside the repository")
    return path

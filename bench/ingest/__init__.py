"""Ingest benchmark (issue 9): A1 MLLP replay, A3 alarm fan-out under load, A4 SSE board fan-out."""

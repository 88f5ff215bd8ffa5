"""The infusion area of entrypoints.api.

Infusion: the session from check-in to discharge, monitoring, alarms and the board.
"""

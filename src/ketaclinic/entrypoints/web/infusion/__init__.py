"""The infusion area of entrypoints.web.

Infusion: the session from check-in to discharge, monitoring, alarms and the board.
"""

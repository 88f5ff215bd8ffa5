"""The infusion area of adapters.db.

Infusion: the session from check-in to discharge, monitoring, alarms and the board.
"""

"""The infusion area of domain.

Infusion: the session from check-in to discharge, monitoring, alarms and the board.
"""

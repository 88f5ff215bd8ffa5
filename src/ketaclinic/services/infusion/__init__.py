"""The infusion area of services.

Infusion: the session from check-in to discharge, monitoring, alarms and the board.
"""

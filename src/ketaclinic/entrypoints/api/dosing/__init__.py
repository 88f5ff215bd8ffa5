"""The dosing area of entrypoints.api.

Dosing: between-session check-ins, dose plans, orders, bedside checks, administration.
"""

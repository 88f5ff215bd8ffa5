"""The dosing area of adapters.db.

Dosing: between-session check-ins, dose plans, orders, bedside checks, administration.
"""

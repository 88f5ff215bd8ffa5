"""The dosing area of services.

Dosing: between-session check-ins, dose plans, orders, bedside checks, administration.
"""

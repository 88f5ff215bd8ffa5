"""The integration area of services.

Integration: integration plans, coaching, KAT and the patient portal.
"""

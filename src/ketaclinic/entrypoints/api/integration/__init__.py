"""The integration area of entrypoints.api.

Integration: integration plans, coaching, KAT and the patient portal.
"""

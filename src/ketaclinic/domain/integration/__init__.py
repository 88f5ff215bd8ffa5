"""The integration area of domain.

Integration: integration plans, coaching, KAT and the patient portal.
"""

"""The integration area of adapters.db.

Integration: integration plans, coaching, KAT and the patient portal.
"""

"""Mappings from other analytics senders' payloads onto contract v1.

Each module turns one sender's request into a list of contract-v1 event dicts;
the routes in :mod:`ingest_gateway.routes.compat` pass them through the same
:class:`ingest_gateway.intake.Intake` as native events.
"""

"""Saved segments (``/api/v1/segments``): sets of visitors every analysis accepts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from serving.definitions import SegmentDefinition, segment_spec
from serving.routes.definitions import add_definition_routes

__all__ = ["router"]

router = APIRouter()


def _check(body: SegmentDefinition, request: Request) -> None:
    segment_spec(body, "conditions")


add_definition_routes(router, "segment", "/api/v1/segments", SegmentDefinition, _check)

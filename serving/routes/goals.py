"""Saved goals (``/api/v1/goals``): event, destination, duration, pages per session."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lake.catalog import DefinitionStore
from serving.analyses.goals import GoalSpec
from serving.definitions import GoalDefinition, goal_spec, saved_goal
from serving.routes.definitions import add_definition_routes

__all__ = ["router", "site_goals"]

router = APIRouter()


def _check(body: GoalDefinition, request: Request) -> None:
    goal_spec(body)


def site_goals(store: DefinitionStore, tracking_id: str) -> list[GoalSpec]:
    """Every saved goal of the site, oldest first."""
    return [saved_goal(d) for d in store.list("goal", [tracking_id])]


add_definition_routes(router, "goal", "/api/v1/goals", GoalDefinition, _check)

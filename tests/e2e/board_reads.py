"""What a board test reads: one chair's card on the board page, the chair documents of the
stream's opening snapshot, and the events published to the fan-out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.live_events import InProcessBroker


def chair_card(page: str, chair_id: int) -> str:
    """The chair's card (``<article id="chair-N">``) from the board page."""
    start = page.index(f'id="chair-{chair_id}"')
    return page[start : page.index("</article>", start)]


def board_docs(client: TestClient) -> dict[int, dict[str, Any]]:
    """The opening snapshot of ``/board/events``, one document per chair id."""
    events = client.get("/board/events").text
    docs = [json.loads(line[6:]) for line in events.splitlines() if line.startswith("data: ")]
    return {d["chair_id"]: d for d in docs}


def published_events(monkeypatch: pytest.MonkeyPatch, live: InProcessBroker) -> list[Any]:
    """Every event published from now on, in order; each still reaches the fan-out (the open
    boards and the board memory a new board opens from)."""
    published: list[Any] = []
    publish = live.publish

    def spy(clinic_id: int, event: Mapping[str, Any]) -> None:
        published.append(event)
        publish(clinic_id, event)

    monkeypatch.setattr(live, "publish", spy)
    return published

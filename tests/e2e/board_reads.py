"""What a board test reads: one chair's card on the board page, and the chair documents of the
stream's opening snapshot."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient


def chair_card(page: str, chair_id: int) -> str:
    """The chair's card (``<article id="chair-N">``) from the board page."""
    start = page.index(f'id="chair-{chair_id}"')
    return page[start : page.index("</article>", start)]


def board_docs(client: TestClient) -> dict[int, dict[str, Any]]:
    """The opening snapshot of ``/board/events``, one document per chair id."""
    events = client.get("/board/events").text
    docs = [json.loads(line[6:]) for line in events.splitlines() if line.startswith("data: ")]
    return {d["chair_id"]: d for d in docs}

"""Signed audit checkpoints as small JSON files, kept outside the database.

A checkpoint names the head (seq and hash) of every audit chain at one moment and carries an
HMAC-SHA256 signature under the audit key. Copy these files off the database host (backup, WORM
storage): ``ketaclinic audit verify --checkpoint FILE`` then detects any rewrite, removal or
truncation of the trail before that moment.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from ketaclinic.domain.audit.events import ChainHead, Checkpoint
from ketaclinic.domain.errors import ValidationFailed


def checkpoint_json(checkpoint: Checkpoint) -> str:
    return json.dumps({**checkpoint.body(), "signature": checkpoint.signature}, indent=2) + "\n"


def write_checkpoint(checkpoint: Checkpoint, path: Path) -> Path:
    """Write atomically (temporary file, then rename) with owner-only permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(checkpoint_json(checkpoint), encoding="utf-8")
    partial.chmod(0o600)
    os.replace(partial, path)
    return path


def write_into(checkpoint: Checkpoint, directory: Path) -> Path:
    """``directory/audit-checkpoint-YYYYmmddTHHMMSSZ.json``."""
    stamp = checkpoint.at.strftime("%Y%m%dT%H%M%S%fZ")
    return write_checkpoint(checkpoint, directory / f"audit-checkpoint-{stamp}.json")


def read_checkpoint(path: Path) -> Checkpoint:
    """Parse a checkpoint file; a missing or malformed file is refused naming ``checkpoint``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        heads = {
            str(chain): ChainHead(int(head["seq"]), str(head["hash"]))
            for chain, head in dict(raw["heads"]).items()
        }
        return Checkpoint(
            at=datetime.fromisoformat(str(raw["at"])),
            heads=heads,
            events=int(raw["events"]),
            signature=str(raw["signature"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed({"checkpoint": f"cannot read {path.name}: {exc}"}) from exc

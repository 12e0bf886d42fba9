"""Small JSON state files kept beside the data they describe (``<lake>/_state/...``).

Incremental jobs remember what they already processed here, so the lake is self-describing: copy the
lake and its jobs resume where they left off; delete a state file and the next run starts over.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow.fs as pafs

from pipelines.io.lakefs import Location

STATE_DIR = "_state"


def read_state(loc: Location, *parts: str) -> dict[str, Any]:
    path = loc.path(STATE_DIR, *parts)
    if loc.fs.get_file_info(path).type != pafs.FileType.File:
        return {}
    with loc.fs.open_input_stream(path) as stream:
        data: dict[str, Any] = json.loads(stream.read().decode())
    return data


def write_state(loc: Location, data: dict[str, Any], *parts: str) -> None:
    """Write to a temporary name, then move: a crash mid-write never leaves half a state file."""
    path = loc.path(STATE_DIR, *parts)
    loc.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    tmp = f"{path}.tmp"
    with loc.fs.open_output_stream(tmp) as stream:
        stream.write(json.dumps(data, indent=1, sort_keys=True, default=str).encode())
    loc.fs.move(tmp, path)

"""Parts of refusal reasons that several recipes share. A reason says what dfsplit saw, what
it would need and, where it can, what the user can do: a flag, a config key, a file to add.
"""

from __future__ import annotations

NO_START = (
    "the Dockerfile has no CMD or ENTRYPOINT, so the image would start the base image's "
    "default command, which the runtime image does not have: add a CMD that starts the app"
)


def choose_runtime(key: str) -> str:
    """How to choose the runtime image for recipe or language `key` (a `runtime` table key)."""
    return f'pass --runtime IMAGE (or set {key} = "IMAGE" under [runtime] in .dfsplit.toml)'

"""Who acts: the type of every service's, selector's and api function's `actor` (issue #9
item 5).

An actor is a user — `accounts.User`, the request's user (an anonymous one has no rights)
— or the platform itself, `accounts.SYSTEM` (commands run on the server without `--actor`,
beat tasks, demo data, test fixtures). Rights are never inferred from what an actor is
not: `accounts.api.actor_scope(actor)` says what it may see and do, and the system's rights
are its own documented scope (the whole tree, as a city bureau), not an exemption. `None`
is not an actor.
"""

from typing import Any, Protocol


class Actor(Protocol):
    """What code outside accounts may read of an actor."""

    @property
    def pk(self) -> Any:  # the user's id; None for the system and for anonymous users
        ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

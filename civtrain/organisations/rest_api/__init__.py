"""Organisation-tree endpoints (CQ-O2)."""

from ninja import Router

router = Router(tags=["organisations"])

"""API domains. Each is a package exposing ``controllers``; the app mounts them in this order."""

DOMAINS: tuple[str, ...] = (
    "system",
    "accounts",
    "restaurants",
    "search",
    "orders",
    "coupons",
    "delivery",
    "reviews",
    "loyalty",
    "payments",
    "notifications",
    "recommendations",
    "support",
)

"""Cross-cutting API machinery: errors, auth, request logging, rate limiting. Imports no domain."""

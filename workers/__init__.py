"""Deployable workers beside the API: processes that consume events and call the API's domain services."""

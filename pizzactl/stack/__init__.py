"""The embedded local stack: real servers on loopback, owned by the project's state folder."""

from pizzactl.stack.manager import Stack, StackError

__all__ = ["Stack", "StackError"]

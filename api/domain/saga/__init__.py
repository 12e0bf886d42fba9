"""The order saga: one persisted saga per order, driven by its events and its deadlines.

``states`` holds the rules (pure), ``orchestrator`` applies them in one shard transaction per step,
``participants`` calls the other domains, ``timer`` wakes sagas whose deadline passed. No HTTP
controllers: the saga runs in the ``pizza saga run`` process (see ``workers.saga``) and docs/saga.md.
"""

from api.domain.saga.orchestrator import OrderNotFound, SagaOrchestrator
from api.domain.saga.participants import Participants
from api.domain.saga.settings import SagaSettings, get_saga_settings
from api.domain.saga.states import Deadlines, Saga, SagaState
from api.domain.saga.timer import SagaTimer

controllers: list[object] = []
__all__ = [
    "Deadlines",
    "OrderNotFound",
    "Participants",
    "Saga",
    "SagaOrchestrator",
    "SagaSettings",
    "SagaState",
    "SagaTimer",
    "controllers",
    "get_saga_settings",
]

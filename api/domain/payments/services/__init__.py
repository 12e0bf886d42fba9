"""The payment service: charge an order once, hold suspicious payments for review, refund on cancellation.

Entry points are idempotent functions of an event, safe to call twice (the saga's consumers may
redeliver): the order's payment row is created once (unique ``order_id``), every state change is a
guarded update (``WHERE status = ...``) written with its outbox event in one transaction on the user's
shard, and every gateway call carries a key derived from the payment id.

    PENDING --authorize+capture--> SUCCEEDED --refund--> REFUNDED
       |  \\--fraud rule--> REVIEW --approve--> SUCCEEDED
       |                        \\--reject--> FAILED
       \\--decline / timeout--> FAILED

One job a module: charging, refunds, the admin's review, provider events (webhooks), reads; the state
changes they share are in the ledger, the retried gateway calls in ``_gateway``.
"""

from api.domain.payments.services._ledger import OrderNotPayable, PaymentResult
from api.domain.payments.services._ports import OrderMove, OrderStatusPort
from api.domain.payments.services._review import Decision
from api.domain.payments.services._service import PaymentService

__all__ = ["Decision", "OrderMove", "OrderNotPayable", "OrderStatusPort", "PaymentResult", "PaymentService"]

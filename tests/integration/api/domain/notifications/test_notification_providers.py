"""Each provider adapter against a local server speaking its protocol: exact requests, error mapping."""

from __future__ import annotations

import base64
import json
import urllib.parse
from email import message_from_bytes
from pathlib import Path

import pytest
from notify_doubles import RecordingServer, SmtpSink
from pydantic import SecretStr

from api.domain.notifications.providers import (
    LogFileProvider,
    OutgoingMessage,
    SendError,
    SendGridEmailProvider,
    SmtpProvider,
    TransientSendError,
    TwilioSmsProvider,
    build_providers,
)
from api.domain.notifications.settings import NotifySettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

EMAIL = OutgoingMessage("n-1", "e-1", "email", "ada@example.com", "Your pizza is on its way.", "On its way")
SMS = OutgoingMessage("n-2", "e-2", "sms", "+4915112345678", "Your pizza is on its way.")


async def test_twilio_posts_the_form_with_basic_auth(twilio: RecordingServer) -> None:
    settings = NotifySettings(
        twilio_base_url=twilio.url, twilio_account_sid="AC123", twilio_auth_token=SecretStr("tok"),
        twilio_from_number="+15005550006",
    )  # fmt: skip
    provider = TwilioSmsProvider(settings)
    delivery = await provider.send(SMS)
    await provider.close()

    assert delivery.provider_message_id == "SM0123456789abcdef"
    [call] = twilio.calls
    assert call.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert call.headers["authorization"] == "Basic " + base64.b64encode(b"AC123:tok").decode()
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(urllib.parse.parse_qsl(call.body.decode())) == {
        "To": "+4915112345678",
        "From": "+15005550006",
        "Body": "Your pizza is on its way.",
    }


@pytest.mark.parametrize(("status", "error"), [(400, SendError), (401, SendError), (429, TransientSendError),
                                               (503, TransientSendError)])  # fmt: skip
async def test_twilio_errors_are_classified(twilio: RecordingServer, status: int, error: type[Exception]) -> None:
    twilio.reply(status, {"code": 21211, "message": "Invalid 'To' Phone Number"})
    provider = TwilioSmsProvider(NotifySettings(twilio_base_url=twilio.url))
    with pytest.raises(error) as info:
        await provider.send(SMS)
    await provider.close()
    assert (status >= 429) == isinstance(info.value, TransientSendError)


async def test_sendgrid_posts_the_v3_mail_json_with_a_bearer_key(sendgrid: RecordingServer) -> None:
    settings = NotifySettings(
        sendgrid_base_url=sendgrid.url, sendgrid_api_key=SecretStr("SG.key"), from_email="orders@pizza.test",
        from_name="Pizza",
    )  # fmt: skip
    provider = SendGridEmailProvider(settings)
    delivery = await provider.send(EMAIL)
    await provider.close()

    assert delivery.provider_message_id == "sg-message-1"
    [call] = sendgrid.calls
    assert call.path == "/v3/mail/send"
    assert call.headers["authorization"] == "Bearer SG.key"
    assert call.headers["content-type"] == "application/json"
    assert json.loads(call.body) == {
        "personalizations": [{"to": [{"email": "ada@example.com"}]}],
        "from": {"email": "orders@pizza.test", "name": "Pizza"},
        "subject": "On its way",
        "content": [{"type": "text/plain", "value": "Your pizza is on its way."}],
        "custom_args": {"notification_id": "n-1", "event_id": "e-1"},
    }


async def test_sendgrid_5xx_is_transient_and_4xx_is_final(sendgrid: RecordingServer) -> None:
    provider = SendGridEmailProvider(NotifySettings(sendgrid_base_url=sendgrid.url))
    sendgrid.reply(500, {"errors": [{"message": "boom"}]})
    sendgrid.reply(400, {"errors": [{"message": "bad from"}]})
    with pytest.raises(TransientSendError):
        await provider.send(EMAIL)
    with pytest.raises(SendError, match="bad from"):
        await provider.send(EMAIL)
    await provider.close()


async def test_an_unreachable_http_provider_is_transient() -> None:
    provider = SendGridEmailProvider(NotifySettings(sendgrid_base_url="http://127.0.0.1:9"))
    with pytest.raises(TransientSendError):
        await provider.send(EMAIL)
    await provider.close()


async def test_smtp_delivers_a_plain_text_email(smtp: SmtpSink) -> None:
    settings = NotifySettings(smtp_port=smtp.port, from_email="orders@pizza.test", from_name="Pizza")
    delivery = await SmtpProvider(settings).send(EMAIL)

    [envelope] = smtp.messages
    assert envelope.mail_from == "orders@pizza.test"
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert isinstance(envelope.content, bytes)
    email = message_from_bytes(envelope.content)
    assert email["Subject"] == "On its way"
    assert email["From"] == "Pizza <orders@pizza.test>"
    assert email["X-Pizza-Event-Id"] == "e-1"
    assert email["Message-ID"] == delivery.provider_message_id
    assert email.get_payload(decode=True).decode().strip() == "Your pizza is on its way."  # type: ignore[union-attr]


@pytest.mark.parametrize(("reply", "error"), [("550 5.1.1 no such user", SendError),
                                              ("451 4.3.0 try later", TransientSendError)])  # fmt: skip
async def test_smtp_refusals_are_classified(smtp: SmtpSink, reply: str, error: type[Exception]) -> None:
    smtp.refuse = reply
    with pytest.raises(error) as info:
        await SmtpProvider(NotifySettings(smtp_port=smtp.port)).send(EMAIL)
    assert isinstance(info.value, TransientSendError) == reply.startswith("4")


async def test_smtp_without_a_server_is_transient() -> None:
    with pytest.raises(TransientSendError):
        await SmtpProvider(NotifySettings(smtp_port=9, smtp_timeout_seconds=2)).send(EMAIL)


async def test_the_log_provider_appends_one_json_line_per_message(tmp_path: Path) -> None:
    provider = LogFileProvider(tmp_path / "out" / "notifications.jsonl")
    await provider.send(EMAIL)
    await provider.send(SMS)
    lines = [json.loads(line) for line in (tmp_path / "out" / "notifications.jsonl").read_text().splitlines()]
    assert [(x["channel"], x["to"], x["body"]) for x in lines] == [
        ("email", "ada@example.com", "Your pizza is on its way."),
        ("sms", "+4915112345678", "Your pizza is on its way."),
    ]


def test_every_channel_goes_to_the_log_file_by_default(tmp_path: Path) -> None:
    providers = build_providers(NotifySettings(), tmp_path)
    assert {ch: p.name for ch, p in providers.items()} == {"email": "log", "sms": "log"}
    chosen = build_providers(NotifySettings(email_provider="sendgrid", sms_provider="twilio"), tmp_path)
    assert {ch: p.name for ch, p in chosen.items()} == {"email": "sendgrid", "sms": "twilio"}

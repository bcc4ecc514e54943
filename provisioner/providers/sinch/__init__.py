"""Sinch: Provisioning API (WhatsApp templates and senders, RCS senders, provisioning webhooks),
Numbers API (active numbers) and Conversation API (apps and their webhooks), one credential."""

from __future__ import annotations

from .client import SinchClient, connect
from .conversation_app import ConversationApp
from .conversation_webhook import ConversationWebhook
from .number import Number
from .provisioning_webhook import ProvisioningWebhook
from .rcs_sender import RcsSender
from .whatsapp_sender import WhatsappSender, verify_sender
from .whatsapp_template import WhatsappTemplate

KINDS = (WhatsappTemplate, RcsSender, ProvisioningWebhook, ConversationApp, ConversationWebhook, Number, WhatsappSender)

__all__ = [
    "KINDS",
    "ConversationApp",
    "ConversationWebhook",
    "Number",
    "ProvisioningWebhook",
    "RcsSender",
    "SinchClient",
    "WhatsappSender",
    "WhatsappTemplate",
    "connect",
    "verify_sender",
]

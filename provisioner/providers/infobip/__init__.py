"""Infobip: one personal base URL per account serving every API — Numbers, resource management
(inbound message configurations), CPaaS X applications/entities, 2FA, WhatsApp templates,
Subscriptions Management (webhooks), RCS senders, Calls configurations and Number Masking."""

from __future__ import annotations

from .application import Application
from .calls_configuration import CallsConfiguration
from .client import InfobipClient, connect
from .entity import Entity
from .inbound_message_configuration import InboundMessageConfiguration
from .number import Number
from .number_masking_config import NumberMaskingConfig
from .rcs_sender import RcsSender
from .tfa_application import TfaApplication
from .tfa_message_template import TfaMessageTemplate
from .webhook import Webhook
from .whatsapp_template import WhatsappTemplate

KINDS = (
    Application,
    Entity,
    Number,
    InboundMessageConfiguration,
    CallsConfiguration,
    NumberMaskingConfig,
    TfaApplication,
    TfaMessageTemplate,
    WhatsappTemplate,
    Webhook,
    RcsSender,
)

__all__ = [
    "KINDS",
    "Application",
    "CallsConfiguration",
    "Entity",
    "InboundMessageConfiguration",
    "InfobipClient",
    "Number",
    "NumberMaskingConfig",
    "RcsSender",
    "TfaApplication",
    "TfaMessageTemplate",
    "Webhook",
    "WhatsappTemplate",
    "connect",
]

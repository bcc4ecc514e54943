"""Which service answers on which listener. Adding a provider API = one line here plus its module."""

from __future__ import annotations

from . import (
    admin,
    infobip_2fa,
    infobip_admin,
    infobip_numbers,
    infobip_provisioning,
    infobip_rcs,
    infobip_resources,
    infobip_subscriptions,
    infobip_voice,
    infobip_whatsapp,
    sinch_admin,
    sinch_rcs,
    sinch_templates,
    sinch_wa_senders,
    vonage_admin,
)
from .config import API_NAMES
from .context import Context
from .infobip_auth import InfobipAuth
from .infobip_data import InfobipData
from .infobip_service import InfobipService
from .infobip_throttle import Throttle
from .router import Router
from .service import NotBuiltService, Service
from .sinch_auth import SinchAuth, SinchAuthService
from .sinch_conversation import ConversationModel, SinchConversationService
from .sinch_data import SinchData
from .sinch_numbers import NumbersModel, SinchNumbersService
from .sinch_provisioning import SinchProvisioningService
from .vonage_api import VonageApiService
from .vonage_data import VonageData
from .vonage_rest import VonageRestService


def build(ctx: Context) -> tuple[dict[str, Service], admin.AdminService]:
    admin_router = Router()
    admin.register_core(admin_router, ctx)

    vonage = VonageData(ctx.store)

    def seed_vonage() -> None:
        vonage.seed_inventory(ctx.config.inventory_size)

    seed_vonage()
    ctx.on_reset(seed_vonage)
    vonage_admin.register(admin_router, ctx, vonage)

    # Sinch: nothing to seed (the number inventory is computed); state machines settle lazily on read.
    sinch = SinchData(ctx.store, ctx.clock)
    sinch_auth = SinchAuth(ctx, sinch)
    models = sinch_admin.Models(
        numbers=NumbersModel(ctx, sinch),
        templates=sinch_templates.TemplatesModel(ctx, sinch),
        senders=sinch_wa_senders.SendersModel(ctx, sinch),
        rcs=sinch_rcs.RcsModel(ctx, sinch),
        conversation=ConversationModel(ctx, sinch),
    )
    provisioning = SinchProvisioningService(ctx, sinch_auth, sinch)
    sinch_templates.register(provisioning, ctx, sinch, models.templates)
    sinch_wa_senders.register(provisioning, ctx, sinch, models.senders)
    sinch_rcs.register(provisioning, ctx, sinch, models.rcs)
    sinch_admin.register(admin_router, ctx, sinch, models)

    # Infobip: one listener for every product; the number inventory is computed; state machines settle lazily.
    ib = InfobipData(ctx.store, ctx.clock)
    infobip = InfobipService(ctx, InfobipAuth(ctx, ib), Throttle(ctx))
    ib_numbers = infobip_numbers.NumbersModel(ctx, ib)
    ib_rcs = infobip_rcs.RcsModel(ctx, ib)
    ib_models = infobip_admin.Models(
        numbers=ib_numbers,
        whatsapp=infobip_whatsapp.WhatsAppModel(ctx, ib),
        rcs=ib_rcs,
        resources=infobip_resources.ResourcesModel(ctx, ib, ib_numbers, ib_rcs),
    )
    infobip_numbers.register(infobip, ctx, ib, ib_numbers)
    infobip_provisioning.register(infobip, ctx, ib, ib_numbers)
    infobip_voice.register(infobip, ctx, ib)
    infobip_2fa.register(infobip, ctx, ib)
    infobip_whatsapp.register(infobip, ctx, ib, ib_models.whatsapp)
    infobip_subscriptions.register(infobip, ctx, ib)
    infobip_rcs.register(infobip, ctx, ib, ib_rcs)
    infobip_resources.register(infobip, ctx, ib, ib_models.resources)
    infobip_admin.register(admin_router, ctx, ib, ib_models)

    services: dict[str, Service] = {name: NotBuiltService(name) for name in API_NAMES}
    services["vonage.api"] = VonageApiService(ctx, vonage)
    services["vonage.rest"] = VonageRestService(ctx, vonage)
    services["sinch.auth"] = SinchAuthService(ctx, sinch_auth)
    services["sinch.numbers"] = SinchNumbersService(ctx, sinch_auth, sinch, models.numbers)
    services["sinch.provisioning"] = provisioning
    services["sinch.conversation"] = SinchConversationService(ctx, sinch_auth, sinch, models.conversation)
    services["infobip"] = infobip
    return services, admin.AdminService(admin_router)

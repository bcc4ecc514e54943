"""Which service answers on which listener. Adding a provider API = one line here plus its module."""

from __future__ import annotations

from . import admin, sinch_admin, sinch_rcs, sinch_templates, sinch_wa_senders, vonage_admin
from .config import API_NAMES
from .context import Context
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

    services: dict[str, Service] = {name: NotBuiltService(name) for name in API_NAMES}
    services["vonage.api"] = VonageApiService(ctx, vonage)
    services["vonage.rest"] = VonageRestService(ctx, vonage)
    services["sinch.auth"] = SinchAuthService(ctx, sinch_auth)
    services["sinch.numbers"] = SinchNumbersService(ctx, sinch_auth, sinch, models.numbers)
    services["sinch.provisioning"] = provisioning
    services["sinch.conversation"] = SinchConversationService(ctx, sinch_auth, sinch, models.conversation)
    return services, admin.AdminService(admin_router)

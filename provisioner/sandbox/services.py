"""Which service answers on which listener. Adding a provider API = one line here plus its module."""

from __future__ import annotations

from . import admin, vonage_admin
from .config import API_NAMES
from .context import Context
from .router import Router
from .service import NotBuiltService, Service
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

    services: dict[str, Service] = {name: NotBuiltService(name) for name in API_NAMES}
    services["vonage.api"] = VonageApiService(ctx, vonage)
    services["vonage.rest"] = VonageRestService(ctx, vonage)
    return services, admin.AdminService(admin_router)

"""SandboxConfig: everything a sandbox instance can be told at start-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# One listener per API name, in this order (endpoints map, serve()'s first line).
API_NAMES = (
    "vonage.api",  # api.nexmo.com
    "vonage.rest",  # rest.nexmo.com
    "sinch.auth",
    "sinch.numbers",
    "sinch.provisioning",
    "sinch.conversation",
    "infobip",
)


@dataclass
class VonageChoices:
    """Behaviour the Vonage contract leaves open; defaults are the documented sandbox choices."""

    # SDK fixtures of real responses show 7; the spec says 2.
    leg_persistence_time_default: int = 7
    # Spec default when `privacy` is absent (SDK fixtures show false for apps created with it set).
    improve_ai_default: bool = True
    # v2 does not state it; v1 defaulted to 10.
    app_page_size_default: int = 10
    # total_pages reported for an account with no applications (real value unknown; 0 = ceil(0/size)).
    empty_app_list_total_pages: int = 0
    # "ignore": unknown fields in an application body are dropped silently; "reject": 400 naming them.
    unknown_app_fields: str = "ignore"
    # keys.public_key must parse as a PEM public key (400 otherwise).
    validate_public_key: bool = True
    # DELETE /v2/applications/{id}: False leaves linked numbers with a dangling app_id (real rule unknown).
    delete_app_unlinks_numbers: bool = False
    # /number/update app_id=X: X must be an application of the same account, else 420.
    update_requires_existing_app: bool = True
    # Per-page cap on /account/numbers and /number/search; a bigger `size` is clamped to it (not rejected).
    numbers_max_size: int = 100
    # moHttpUrl probe timeout (seconds) when SandboxConfig.probe_mo_http_url is on.
    probe_timeout: float = 5.0


@dataclass
class SinchChoices:
    """Behaviour the Sinch contract (shared/research/sinch.md) leaves open; defaults are the documented sandbox
    choices. Delays are sandbox-clock seconds: POST /_sandbox/clock drives every state machine."""

    # -- auth ----------------------------------------------------------------------------------------------
    token_lifetime_seconds: int = 3600  # expires_in of /oauth2/token; expiry is checked on the sandbox clock
    # -- Numbers -------------------------------------------------------------------------------------------
    inventory_size: int = 1000  # available numbers per (region, type) block; US LOCAL gets this many
    rent_us_local_only: bool = True  # :rent/:rentAny accept only US LOCAL (Numbers spec 1.0.3)
    available_size_default: int = 100  # availableNumbers `size` when absent; larger values are clamped to max
    available_size_max: int = 1000
    active_page_size_default: int = 100  # activeNumbers pageSize when absent or 0 (undocumented upstream)
    active_page_size_max: int = 1000  # larger pageSize values are clamped (AIP-158 style)
    sms_waiting_seconds: float = 1.0  # scheduledProvisioning WAITING -> IN_PROGRESS
    sms_in_progress_seconds: float = 1.0  # IN_PROGRESS -> done (cleared) or FAILED
    voice_waiting_seconds: float = 1.0
    voice_in_progress_seconds: float = 1.0
    # servicePlanId / campaignId / appId / trunkId / serviceId values starting with this fail provisioning
    provisioning_fail_prefix: str = "fail-"
    # The docs say "unlink before relinking"; Sinch's own mock schedules the new value instead (default).
    require_unlink_before_relink: bool = False
    # :release sets expireAt; the number stays listed until then. None = until nextChargeDate.
    release_grace_seconds: float | None = None
    # -- Provisioning ----------------------------------------------------------------------------------------
    uninitialized_projects: tuple[str, ...] = ()  # these get 400 project_not_initialized on whatsapp/rcs routes
    template_create_status_default: str = "DRAFT"  # POST /whatsapp/templates without `status` (sources disagree)
    template_review_seconds: float = 1.0  # SUBMIT -> Meta verdict
    template_reject_marker: str = "REJECT-ME"  # a BODY text containing it is rejected
    template_reject_name_prefix: str = "rejected_"  # a template name starting with it is rejected
    template_rejection_code: str = "INVALID_FORMAT"
    template_tombstone_days: int = 30  # (name, language) lock after deleting an approved template
    whatsapp_sender_processing_seconds: float = 1.0  # create -> PENDING_VERIFICATION
    whatsapp_sender_update_seconds: float = 1.0  # PATCH status=SUBMIT -> changes applied
    whatsapp_otp: str | None = None  # fixed OTP sent by /register; None = random 6 digits (admin API shows it)
    whatsapp_sender_delete_grace_days: int = 30  # DELETE marks; the sender is gone after this
    whatsapp_sender_region_default: str = "EU"
    sender_reject_marker: str = "REJECT-ME"  # a sender displayName containing it ends changes.status REJECTED
    rcs_processing_seconds: float = 1.0  # IN_PROGRESS -> IN_TEST
    rcs_prepare_launch_seconds: float = 1.0  # PREPARING_LAUNCH -> LAUNCHING
    rcs_launching_seconds: float = 1.0  # LAUNCHING -> LAUNCHED
    rcs_pending_launch_without_video: bool = True  # launch without questionnaire videoUris -> PENDING_LAUNCH
    rcs_test_number_seconds: float = 1.0  # test number PENDING -> VERIFIED/UNVERIFIED
    rcs_test_numbers_auto_verify: bool = True  # True: testers "accept" the invite (VERIFIED), else UNVERIFIED
    # -- Conversation ------------------------------------------------------------------------------------------
    conversation_region: str = "us"  # the one region this sandbox serves
    processing_mode_default: str = "CONVERSATION"  # Sinch's mock says CONVERSATION, a Sinch skill says DISPATCH
    credential_activation_seconds: float = 1.0  # channel credential PENDING -> ACTIVE/FAILING
    failing_credential_token: str = "invalid"  # a credential carrying this token/secret ends FAILING


@dataclass
class InfobipChoices:
    """Behaviour the Infobip contract (shared/research/infobip.md, shared/specs/infobip/) leaves open; defaults are the
    documented sandbox choices. Delays are sandbox-clock seconds: POST /_sandbox/clock drives every state machine."""

    # -- auth ------------------------------------------------------------------------------------------------
    # `text` of the legacy 401 body: the specs' examples say "Unauthorized" (live accounts: "Invalid login details").
    unauthorized_text: str = "Unauthorized"
    oauth_token_lifetime_seconds: int = 7200  # expires_in of POST /auth/1/oauth2/token (sandbox clock)
    session_idle_seconds: int = 3600  # an IBSSO session token dies after 60 min without use (sandbox clock)
    # -- throttling (x-throttling-info of each operation) ---------------------------------------------------------
    throttling: bool = True  # False: no per-operation 429 at all
    # Every published limit is multiplied by this (time windows: requests per window; token buckets: burst and
    # refill). 1.0 = the published limits; the default keeps ordinary test suites clear of 429s.
    throttle_scale: float = 1000.0
    # operationId -> list of x-throttling-info dicts, used unscaled instead of the published ones (tests, demos).
    throttle_overrides: Mapping[str, Sequence[Mapping]] = field(default_factory=dict)
    throttle_retry_after: bool = False  # Infobip documents no Retry-After; True adds one to per-operation 429s
    # -- Numbers ---------------------------------------------------------------------------------------------------
    inventory_size: int = 1000  # available numbers per country (GB, US, DE, SE, HR, NL)
    available_limit_max: int = 1000  # `limit` above this is clamped (available and owned lists)
    purchase_status: int = 200  # the spec declares 200 (with body, the example) and 201 (no body)
    # "US: only number; elsewhere: only numberKey" (PurchaseNumberRequest). False accepts either for any country.
    strict_purchase_identifiers: bool = False
    require_existing_application: bool = True  # numbers' applicationId must be "default" or a provisioning app
    # -- 2FA -----------------------------------------------------------------------------------------------------
    tfa_create_status: int = 201  # the spec says 201; infobip-api-python-client 6.0.0 only maps 200 (compat: 200)
    tfa_enabled_default: bool = True  # `enabled` when a create/PUT omits it
    tfa_pin_length_default: int = 4  # SMS/voice template pinLength when omitted (email templates: spec default 4)
    # -- Number masking ----------------------------------------------------------------------------------------------
    # GET /voice/masking/2/config with none: 404 "Masking configurations not found." (the spec's example)
    masking_empty_list_404: bool = True
    # -- WhatsApp templates -------------------------------------------------------------------------------------------
    whatsapp_review_seconds: float = 1.0  # PENDING -> APPROVED | REJECTED
    whatsapp_reject_marker: str = "reject"  # a template name containing it is REJECTED
    whatsapp_duplicate_status: int = 400  # same (name, language) in the WABA (spec declares no 409)
    whatsapp_name_block_days: int = 30  # a deleted approved template's name cannot be reused for this long
    whatsapp_block_only_approved: bool = True  # False: deleting any template blocks its name
    whatsapp_edit_limit_30d: int = 10  # edits of an APPROVED template per 30 days
    whatsapp_edit_limit_24h: int = 1  # ... and per 24 hours
    whatsapp_require_registered_sender: bool = False  # True: {sender} must be an owned number or an admin-added sender
    # -- Subscriptions Management -------------------------------------------------------------------------------------
    subscriptions_duplicate_status: int = 400  # existing authId/profileId/subscriptionId (spec declares no 409)
    # -- RCS senders -----------------------------------------------------------------------------------------------
    rcs_processing_seconds: float = 1.0  # PENDING -> READY_FOR_TESTING after create / PUT
    rcs_max_senders: int = 10  # "It is allowed to add up to 10 senders in total."
    # -- Resource requests (/resources/1/requests) -------------------------------------------------------------------
    # time spent in each of PENDING, AUTOMATIC_VALIDATION, PENDING_REVIEW, IN_REVIEW, IN_PROGRESS
    resource_request_step_seconds: float = 1.0
    resource_request_reject_marker: str = "reject"  # a requirement value containing it ends REJECTED
    requester_email: str = "sandbox@example.com"  # requestedByEmailAddress


@dataclass
class SandboxConfig:
    data_dir: Path | str | None = None  # None = in-memory SQLite; else <dir>/sandbox.db survives restarts
    host: str = "127.0.0.1"
    admin_port: int = 0  # 0 = ephemeral
    inventory_size: int = 1000  # available numbers seeded per country
    # Pinned credentials, e.g. {"vonage": {"api_key": "k", "api_secret": "s"}} or a list of such dicts under
    # "vonage"; {"sinch": {"key_id": "k", "key_secret": "s", "project_id"?: "p"}} (or a list) likewise;
    # {"infobip": {"api_key": "k"} or {"username": "u", "password": "p"} (both in one entry = one account), or a list};
    # None / a provider absent = any non-empty credentials are accepted.
    credentials: Mapping | None = None
    link_sets_voice_callback: bool = True  # /number/update app_id=X also sets voiceCallbackType=app/Value=X
    probe_mo_http_url: bool = False  # GET moHttpUrl and require 200 before accepting an update
    key_pool_size: int = 4  # server-side RSA key pairs, generated once, handed out round-robin
    faults: Sequence[Mapping] = ()  # initial fault rules, same shape as POST /_sandbox/faults
    rate_limits: Sequence[Mapping] = ()  # initial rate limits, same shape as POST /_sandbox/ratelimits
    ports: Mapping[str, int] = field(default_factory=dict)  # fixed port per API name; missing = ephemeral
    vonage: VonageChoices = field(default_factory=VonageChoices)
    sinch: SinchChoices = field(default_factory=SinchChoices)
    infobip: InfobipChoices = field(default_factory=InfobipChoices)

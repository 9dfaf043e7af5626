"""The database schema (SQLAlchemy Core). Alembic migrations create it; keep the two in step.

Every query the hot paths make is indexed: page lookups by shipment id or (merchant, order),
worker claims by `next_poll_at`, dashboards by (merchant, status).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from suivi import Status, Substatus, is_problem

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes stored in UTC and read back aware on every backend.

    SQLite keeps no offset: without this, 10:00+01:00 and 09:00Z would be stored as two
    different instants (breaking the unique event key) and read back naive.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = UtcDateTime()

merchants = sa.Table(
    "merchants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("theme", sa.String(64), nullable=False, server_default="default"),
    # colours, logo, contact (phone/email/chat), allowed_origins, default_locale, timezone
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    sa.Column("created_at", Timestamp, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False, unique=True),
    sa.Column("key_hash", sa.String(128), nullable=False),
    sa.Column("label", sa.String(100), nullable=False, server_default=""),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp),
)


def order_lookup_key(order_number: str) -> str:
    """How a shopper's typed order number is matched: whatever its case and surrounding spaces."""
    return order_number.strip().casefold()


def _order_key_default(context: Any) -> str:
    return order_lookup_key(context.get_current_parameters()["order_number"])


shipments = sa.Table(
    "shipments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("order_number", sa.String(64), nullable=False),
    # order_lookup_key(order_number), set on insert: the lookup form's indexed match
    sa.Column("order_key", sa.String(64), default=_order_key_default),
    sa.Column("carrier", sa.String(64), nullable=False),
    sa.Column("tracking_number", sa.String(64), nullable=False),
    sa.Column("service", sa.String(100)),
    sa.Column("items", sa.JSON, nullable=False, default=list),
    sa.Column("customer_name", sa.String(200)),
    sa.Column("customer_email", sa.String(320)),
    sa.Column("customer_phone", sa.String(32)),
    sa.Column("customer_locale", sa.String(16)),
    sa.Column("customer_postcode", sa.String(16)),
    sa.Column("customer_country", sa.String(2)),
    sa.Column("shipping_address", sa.JSON),
    sa.Column("promised_ship_date", sa.Date),
    sa.Column("promised_delivery_date", sa.Date),
    sa.Column("segment", sa.String(32)),
    sa.Column("ordered_at", Timestamp),
    # current normalized view, recomputed from events
    sa.Column("status", sa.String(32), nullable=False, server_default="pending"),
    sa.Column("substatus", sa.String(48)),
    sa.Column("estimate", sa.JSON),
    # the estimate shown when the parcel was handed over: what accuracy is measured against
    sa.Column("shipped_estimate", sa.JSON),
    sa.Column("pickup_point", sa.JSON),
    sa.Column("signed_by", sa.String(200)),
    sa.Column("last_event_at", Timestamp),
    sa.Column("delivered_at", Timestamp),
    sa.Column("last_polled_at", Timestamp),
    sa.Column("last_error", sa.String(500)),
    sa.Column("poll_errors", sa.Integer, nullable=False, server_default="0"),
    # worker scheduling and leases
    sa.Column("next_poll_at", Timestamp),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_expires_at", Timestamp),
    # what the carrier itself announced (written by storage/ingest only); `estimate` above is
    # the window shown to the shopper (written by the worker's pipeline only)
    sa.Column("carrier_estimate", sa.JSON),
    # the latest milestone reached: handover, hub, delivery_site, out_for_delivery
    sa.Column("milestone", sa.String(24)),
    # how often the shown window changed, and how often it moved later (each a reason to call)
    sa.Column("estimate_moves", sa.Integer, nullable=False, server_default="0"),
    sa.Column("estimate_later_moves", sa.Integer, nullable=False, server_default="0"),
    # when this delivery was added to the transit counts and scores: once per shipment, even if
    # the carrier reports it delivered a second time
    sa.Column("learned_at", Timestamp),
    # the leading problem situation and since when (None: no problem), kept in step with the
    # situations so the dashboard's problem list is one indexed range
    sa.Column("problem", sa.String(40)),
    sa.Column("problem_since", Timestamp),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.UniqueConstraint("merchant_id", "order_number", "tracking_number"),
    sa.Index("ix_shipments_merchant_status", "merchant_id", "status"),
    sa.Index("ix_shipments_carrier_number", "carrier", "tracking_number"),
    sa.Index("ix_shipments_merchant_number", "merchant_id", "tracking_number"),
    sa.Index("ix_shipments_merchant_order_key", "merchant_id", "order_key"),
    sa.Index("ix_shipments_next_poll_at", "next_poll_at"),
    # the merchant's list, newest first, paged by id cursor
    sa.Index("ix_shipments_merchant_id_id", "merchant_id", "id"),
    # the dashboard's problem shipments, oldest problem first
    sa.Index("ix_shipments_merchant_id_problem_since", "merchant_id", "problem_since"),
    # the list filtered by one kind of problem, and searches by the shopper's email
    sa.Index(
        "ix_shipments_merchant_id_problem_problem_since", "merchant_id", "problem", "problem_since"
    ),
    # reports over a period: deliveries (carrier performance, estimates), shipments created
    sa.Index("ix_shipments_merchant_id_delivered_at", "merchant_id", "delivered_at"),
    sa.Index("ix_shipments_merchant_id_created_at", "merchant_id", "created_at"),
)

# searches by the shopper's email, whatever its case (stored as the merchant gave it)
sa.Index(
    "ix_shipments_merchant_id_email_key",
    shipments.c.merchant_id,
    sa.func.lower(shipments.c.customer_email),
)


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


# The API's problem flag (suivi.is_problem) as literal SQL: the partial index below is only
# chosen for a query that states this predicate with the same constants (migration 0013 holds
# today's copy; a change to the taxonomy's problem states needs a migration of the index).
PROBLEM_WHERE = (
    f"status IN ({_quoted(s.value for s in Status if is_problem(s, None))})"
    " OR (substatus IS NOT NULL AND substatus IN "
    f"({_quoted(s.value for s in Substatus if is_problem(Status.PENDING, s))}))"
)
# the API's problem list, newest first: only problem shipments are in it
sa.Index(
    "ix_shipments_problem_list",
    shipments.c.merchant_id,
    shipments.c.id,
    sqlite_where=sa.text(PROBLEM_WHERE),
    postgresql_where=sa.text(PROBLEM_WHERE),
)

tracking_events = sa.Table(
    "tracking_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("substatus", sa.String(48)),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("label", sa.String(500), nullable=False),
    sa.Column("location", sa.JSON),
    sa.Column("affects_status", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", Timestamp, nullable=False),
    # the same carrier event stored twice is one row: idempotent ingestion
    sa.UniqueConstraint("shipment_id", "occurred_at", "code"),
)

shipment_situations = sa.Table(
    "shipment_situations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    # a hash of the facts: the same situation with new facts (a new date…) is a new row
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False, default=dict),
    sa.Column("detected_at", Timestamp, nullable=False),
    sa.Column("resolved_at", Timestamp),
    sa.UniqueConstraint("shipment_id", "kind", "fingerprint"),
    sa.Index("ix_shipment_situations_active", "shipment_id", "resolved_at"),
)

carrier_calls = sa.Table(
    "carrier_calls",
    metadata,
    # calls made to one carrier during one second, by every worker together
    sa.Column("carrier", sa.String(64), primary_key=True),
    sa.Column("second", sa.BigInteger, primary_key=True),
    sa.Column("calls", sa.Integer, nullable=False),
)

lookup_attempts = sa.Table(
    "lookup_attempts",
    metadata,
    # lookup-form attempts from one client address during one second, seen by every web replica
    sa.Column("client", sa.String(64), primary_key=True),
    sa.Column("second", sa.BigInteger, primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Index("ix_lookup_attempts_second", "second"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    # the outbox: one row per message to deliver, written in the transaction that caused it
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    # a situation kind, or "status_changed" (merchant webhooks)
    sa.Column("event", sa.String(40), nullable=False),
    # which occurrence: the situation's fingerprint, or the new status and its time
    sa.Column("occurrence", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    # shipment + event + occurrence + channel: the same message is never written twice, and
    # channels send it along (Message-ID, webhook-id) so receivers can drop a second copy
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    # pending → sent | failed | skipped | cancelled | superseded
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("facts", sa.JSON, nullable=False, default=dict),
    sa.Column("template", sa.String(64)),
    sa.Column("due_at", Timestamp, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # the retry budget (a channel's max_age) runs from here, not from when the row was written
    sa.Column("first_attempt_at", Timestamp),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_expires_at", Timestamp),
    sa.Column("recipient", sa.String(320)),
    sa.Column("provider_id", sa.String(200)),
    sa.Column("provider_response", sa.String(500)),
    # why it is not sent (yet): the last transient failure, or the final reason
    sa.Column("reason", sa.String(500)),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("sent_at", Timestamp),
    # the sender's claim: due rows first
    sa.Index("ix_notifications_state_due_at", "state", "due_at"),
    # /metrics: each channel's oldest due row and a bounded count of its due rows
    sa.Index("ix_notifications_state_channel_due_at", "state", "channel", "due_at"),
    # a shipment's messages (page, caps), a merchant's delivery log newest first
    sa.Index("ix_notifications_shipment_id_channel", "shipment_id", "channel"),
    sa.Index("ix_notifications_merchant_id_id", "merchant_id", "id"),
)

notification_rule_changes = sa.Table(
    "notification_rule_changes",
    metadata,
    # every change of a merchant's rule for one event: when a message was switched on or off,
    # so the dashboard can compare contacts before and after
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("rule", sa.JSON, nullable=False),
    sa.Column("changed_at", Timestamp, nullable=False),
    sa.Column("changed_by", sa.String(100), nullable=False, server_default=""),
    sa.Index("ix_notification_rule_changes_merchant_id_changed_at", "merchant_id", "changed_at"),
)

notification_optouts = sa.Table(
    "notification_optouts",
    metadata,
    # a shopper who asked this merchant to stop messages on one channel (RFC 8058 one-click)
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    # lower-cased email address or E.164 phone number
    sa.Column("address", sa.String(320), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.UniqueConstraint("merchant_id", "channel", "address"),
)

products = sa.Table(
    "products",
    metadata,
    # the merchant's catalogue, from its product feed: what recommendations choose from
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    # the merchant's own product id (the feed's `id`)
    sa.Column("sku", sa.String(100), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("image_url", sa.String(2000)),
    # a decimal as text ("89.00"), exact on every backend, with its ISO 4217 currency
    sa.Column("price", sa.String(20)),
    sa.Column("currency", sa.String(3)),
    sa.Column("brand", sa.String(200)),
    sa.Column("categories", sa.JSON, nullable=False, default=list),
    sa.Column("available", sa.Boolean, nullable=False, server_default=sa.true()),
    # merchant curation: pinned products come first, excluded ones never
    sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("excluded", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.UniqueConstraint("merchant_id", "sku"),
    sa.Index("ix_products_merchant_id_available", "merchant_id", "available"),
)

recommendation_clicks = sa.Table(
    "recommendation_clicks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sku", sa.String(100), nullable=False),
    # where it was shown: page, widget or email, and at which rank
    sa.Column("placement", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("situation", sa.String(40)),
    sa.Column("clicked_at", Timestamp, nullable=False),
    sa.Index("ix_recommendation_clicks_merchant_id_clicked_at", "merchant_id", "clicked_at"),
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("slug", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    # at most 5 questions: NPS, CSAT, single or multiple choice, free text
    sa.Column("questions", sa.JSON, nullable=False),
    # who gets it: lived situations (on time, late, after a problem…), segments, priority
    sa.Column("audience", sa.JSON, nullable=False, default=dict),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.UniqueConstraint("merchant_id", "slug"),
)

survey_answers = sa.Table(
    "survey_answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    # one answer per shipment (editable for a day)
    sa.Column(
        "shipment_id",
        sa.ForeignKey("shipments.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("survey_id", sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
    sa.Column("answers", sa.JSON, nullable=False, default=dict),
    # what the shopper lived, kept with the answer so results can be cut by it
    sa.Column("carrier", sa.String(64), nullable=False),
    sa.Column("situation", sa.String(40)),
    sa.Column("days_late", sa.Integer),
    sa.Column("segment", sa.String(32)),
    sa.Column("answered_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("ix_survey_answers_merchant_id_answered_at", "merchant_id", "answered_at"),
)

shopper_choices = sa.Table(
    "shopper_choices",
    metadata,
    # what a shopper chose where a situation needs it: confirm or correct the address, reship /
    # refund / store credit, "it was not me who refused", "I found it" / "not received"
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("situation", sa.String(40)),
    sa.Column("status", sa.String(32), nullable=False),  # the shipment's status at that moment
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("details", sa.JSON, nullable=False, default=dict),
    # open until the merchant handles it
    sa.Column("state", sa.String(16), nullable=False, server_default="open"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("ix_shopper_choices_shipment_id", "shipment_id"),
    sa.Index("ix_shopper_choices_merchant_id_created_at", "merchant_id", "created_at"),
)

contacts = sa.Table(
    "contacts",
    metadata,
    # every call, mail or chat about a shipment, with its reason: what the feedback loop counts
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="SET NULL")),
    # page (the tracking page's contact actions), api (a helpdesk), import (a helpdesk export)
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # phone, email, chat, other
    sa.Column("reason", sa.String(40), nullable=False),
    # the situation and status when the contact happened
    sa.Column("situation", sa.String(40)),
    sa.Column("status", sa.String(32)),
    sa.Column("text", sa.String(2000)),
    # the helpdesk's ticket id: importing the same export twice adds nothing
    sa.Column("external_id", sa.String(200)),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.UniqueConstraint("merchant_id", "source", "external_id"),
    sa.Index("ix_contacts_merchant_id_occurred_at", "merchant_id", "occurred_at"),
    sa.Index("ix_contacts_shipment_id", "shipment_id"),
)

notification_optins = sa.Table(
    "notification_optins",
    metadata,
    # a shopper asking, on the page, for updates on this parcel by SMS or email
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    # lower-cased email address or E.164 phone number
    sa.Column("address", sa.String(320), nullable=False),
    # the hash of the code or link that confirms the address belongs to the shopper
    sa.Column("confirmation_hash", sa.String(128)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("requested_at", Timestamp, nullable=False),
    sa.Column("confirmed_at", Timestamp),
    sa.Column("revoked_at", Timestamp),
    sa.UniqueConstraint("shipment_id", "channel", "address"),
)

transit_counts = sa.Table(
    "transit_counts",
    metadata,
    # deliveries per route, milestone, week and remaining business days: the transit model's
    # histograms, one small upsert in each delivery's transaction (never a scan of deliveries)
    sa.Column("carrier", sa.String(64), primary_key=True),
    sa.Column("service", sa.String(100), primary_key=True),  # "" when the carrier gave none
    sa.Column("origin_region", sa.String(8), primary_key=True),
    sa.Column("dest_region", sa.String(8), primary_key=True),
    sa.Column("milestone", sa.String(24), primary_key=True),
    # days since 1970-01-05 (a Monday) // 7: recent weeks weigh more
    sa.Column("week", sa.Integer, primary_key=True),
    sa.Column("days", sa.Integer, primary_key=True),
    sa.Column("deliveries", sa.Integer, nullable=False),
    sa.Index("ix_transit_counts_week", "week"),
)

estimate_scores = sa.Table(
    "estimate_scores",
    metadata,
    # per carrier, service, milestone and week: deliveries where the carrier announced a date,
    # and how often its window and the model's held the arrival; decides which one is shown
    sa.Column("carrier", sa.String(64), primary_key=True),
    sa.Column("service", sa.String(100), primary_key=True),
    sa.Column("milestone", sa.String(24), primary_key=True),
    sa.Column("week", sa.Integer, primary_key=True),
    sa.Column("deliveries", sa.Integer, nullable=False),
    sa.Column("carrier_hits", sa.Integer, nullable=False),
    sa.Column("model_hits", sa.Integer, nullable=False),
)

shown_estimates = sa.Table(
    "shown_estimates",
    metadata,
    # every window shown to a shopper, when and at which milestone, with the carrier's and the
    # model's candidates of that moment: what the estimate report and the scores are made of
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("milestone", sa.String(24)),
    sa.Column("estimate", sa.JSON, nullable=False),
    sa.Column("carrier_estimate", sa.JSON),
    sa.Column("model_estimate", sa.JSON),
    sa.Column("moved_later", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("shown_at", Timestamp, nullable=False),
    sa.Index("ix_shown_estimates_shipment_id", "shipment_id"),
    sa.Index("ix_shown_estimates_merchant_id_shown_at", "merchant_id", "shown_at"),
)

dashboard_users = sa.Table(
    "dashboard_users",
    metadata,
    # a merchant's staff: admins manage users and rules, agents triage shipments
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, unique=True),  # lower-cased
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False),  # admin | agent
    # argon2 hash; None until the invitation is accepted
    sa.Column("password_hash", sa.String(200)),
    # the hash of the invitation link's token, and until when it is valid
    sa.Column("invitation_hash", sa.String(128), unique=True),
    sa.Column("invitation_expires_at", Timestamp),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_login_at", Timestamp),
    sa.Column("disabled_at", Timestamp),
    sa.Index("ix_dashboard_users_merchant_id", "merchant_id"),
)

dashboard_sessions = sa.Table(
    "dashboard_sessions",
    metadata,
    # server-side sessions: the cookie carries a random token, the database only its hash
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("last_seen_at", Timestamp, nullable=False),
    sa.Index("ix_dashboard_sessions_user_id", "user_id"),
)

shipment_notes = sa.Table(
    "shipment_notes",
    metadata,
    # what an agent wrote about a shipment, and whether it marked the shipment handled
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.ForeignKey("dashboard_users.id", ondelete="SET NULL")),
    sa.Column("text", sa.String(2000), nullable=False, server_default=""),
    sa.Column("handled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index("ix_shipment_notes_shipment_id", "shipment_id"),
)

shipment_handling = sa.Table(
    "shipment_handling",
    metadata,
    # a problem marked handled: it leaves the list until a newer problem starts
    sa.Column(
        "shipment_id",
        sa.ForeignKey("shipments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.ForeignKey("dashboard_users.id", ondelete="SET NULL")),
    sa.Column("handled_at", Timestamp, nullable=False),
)

# Counts for /metrics, kept by database triggers (migration 0013) in the transaction of every
# write that changes a counted column, so a scrape never counts the big tables. A count is the
# sum over its shards: on PostgreSQL each connection writes its own shard. A migration that
# recreates shipments or shipment_situations on SQLite must create their triggers again.
shipment_counts = sa.Table(
    "shipment_counts",
    metadata,
    sa.Column("carrier", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(32), primary_key=True),
    sa.Column("failing", sa.Boolean, primary_key=True),  # poll_errors > 0
    sa.Column("shard", sa.Integer, primary_key=True),
    sa.Column("shipments", sa.BigInteger, nullable=False),
)

situation_counts = sa.Table(
    "situation_counts",
    metadata,
    # active (unresolved) situations per kind
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True),
    sa.Column("situations", sa.BigInteger, nullable=False),
)

poll_counts = sa.Table(
    "poll_counts",
    metadata,
    # polls per minute of last_polled_at, a ring of slots (minute % 120) reused as time passes
    sa.Column("slot", sa.Integer, primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True),
    sa.Column("minute", sa.BigInteger, nullable=False),  # minutes since the epoch
    sa.Column("polls", sa.BigInteger, nullable=False),
)

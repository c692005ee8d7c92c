"""Prometheus metrics, one registry per application (so tests can run several side by side)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.incidents = Counter("mynaleak_incidents_total", "Incidents reported", ["drill"], registry=r)
        self.pages = Counter("mynaleak_pages_total", "Pages queued to people in the chain", registry=r)
        self.pages_coalesced = Counter("mynaleak_pages_coalesced_total", "Pages folded into a person's digest (flood control)", registry=r)
        self.page_digests = Counter("mynaleak_page_digests_total", "Digest pages sent instead of pages (flood control)", registry=r)
        self.acks = Counter("mynaleak_acks_total", "Escalations acknowledged", registry=r)
        self.time_to_ack = Histogram("mynaleak_time_to_ack_seconds", "Report to acknowledgement", registry=r,
                                     buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200))  # fmt: skip
        self.timer_lateness = Histogram("mynaleak_timer_lateness_seconds", "How late timers fired", registry=r,
                                        buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300))  # fmt: skip
        self.outbox_backlog = Gauge("mynaleak_outbox_backlog", "Messages waiting to be delivered", registry=r)
        self.delivered = Counter("mynaleak_messages_delivered_total", "Messages delivered", ["kind"], registry=r)
        self.delivery_failures = Counter("mynaleak_delivery_failures_total", "Delivery attempts that failed", ["permanent"], registry=r)
        self.watchdog_overdue = Counter("mynaleak_watchdog_overdue_timers_total", "Timers found overdue by more than a minute", registry=r)
        self.watchdog_stalled = Counter("mynaleak_watchdog_stalled_escalations_total", "Paging escalations found with no timer (re-armed)",
                                        registry=r)  # fmt: skip
        self.events = Counter("mynaleak_events_total", "Inbound events handled", ["type", "outcome"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

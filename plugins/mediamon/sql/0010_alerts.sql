-- Alerts (mediamon/alerts, all statements in store/alerts.py): which events each
-- subscription was told about (decisions) and the messages that tell them (deliveries, an
-- outbox sent by `mediamon alerts send` and the Airflow task).

-- Events up to `event_revision` were considered. Events are written under EVENTS_LOCK,
-- held until commit, so revisions commit in order and a run that reads those above the
-- watermark misses none. A database that had events before this migration starts at their
-- latest revision: history is not alerted on.
CREATE TABLE alert_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    event_revision bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO alert_state (event_revision) SELECT coalesce(max(revision), 0) FROM events;

-- Events seen changing that could not be decided yet: a report still waits for indexing
-- (alerts link to searchable documents), or Elasticsearch did not answer a query.
CREATE TABLE alert_waiting (
    event_id bigint PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL
);

-- One message to one subscription's target: an immediate alert, or a digest of several.
CREATE TABLE alert_deliveries (
    id bigserial PRIMARY KEY,
    subscription text NOT NULL,
    channel text NOT NULL,              -- webhook | email
    target text NOT NULL,               -- for people: the webhook's host or the addressees; never a secret
    mode text NOT NULL,                 -- vocabulary.AlertMode
    status text NOT NULL DEFAULT 'pending',  -- vocabulary.AlertStatus
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    payload jsonb NOT NULL,             -- the alerts it carries (alerts/message.py renders them)
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_subscription ON alert_deliveries (subscription, created_at);

-- One alert of one event to one subscription. Milestone 0 is the new-event alert; k is the
-- update sent when the event reached base_size x size_factor^k reports. The unique key
-- makes deciding twice (a retry, a restart, two runs at once) insert nothing twice.
CREATE TABLE alert_decisions (
    id bigserial PRIMARY KEY,
    subscription text NOT NULL,
    event_id bigint NOT NULL,
    milestone integer NOT NULL,
    kind text NOT NULL,                 -- vocabulary.AlertKind
    event_size integer NOT NULL,        -- the event's size when decided (milestone 0: the base)
    summary jsonb NOT NULL,             -- what the alert says of the event
    delivery_id bigint REFERENCES alert_deliveries (id) ON DELETE SET NULL,  -- NULL: a digest not yet closed
    decided_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription, event_id, milestone)
);
CREATE INDEX alert_decisions_undelivered ON alert_decisions (subscription) WHERE delivery_id IS NULL;
CREATE INDEX alert_decisions_event ON alert_decisions (event_id);

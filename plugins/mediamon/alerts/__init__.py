"""Alerts: subscriptions to tracked groups, told about new events by webhook or e-mail.

subscriptions (the YAML file) -> decide (pure: does an event match, new or update) ->
store/alerts.py (decisions and the deliveries outbox in PostgreSQL) -> message (pure: the
text, the webhook body, the e-mail) -> webhook / email (delivery) -> send (the run).
"""

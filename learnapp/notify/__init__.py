"""Reminders and the committee's weekly digest: an outbox in the database, sent through
channels (SMS gateway, Zalo ZNS, e-mail, the printed call list) by `flask
send-notifications` or a Huey worker, and the escalation of long-overdue learners to
their commune's call list."""

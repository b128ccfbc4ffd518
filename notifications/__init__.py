"""Mail: rendering (Jinja2), the .ics deadline, delivery of the outbox over SMTP."""

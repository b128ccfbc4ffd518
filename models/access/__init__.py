"""Who may come in, and how: portal sessions (idle timeout, an admin's listing and
revocation), sign-in attempts (the lock-out and the record of every sign-in) and the
admins' second factor."""

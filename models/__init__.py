"""The rules of rectiflow: tables, calendar, lifecycle. No Prefect, SMTP or web here."""

"""The domain: records, rules, services and the headless command line. No Qt here."""

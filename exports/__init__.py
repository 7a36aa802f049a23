"""Documents: the Ledger spec and its .xlsx and .pdf renderers. Knows nothing of the database or Qt."""

"""Every traceability write, one function per use case (web, API and CLI call the same one)."""

"""The quality system's state machines, one module per area (atmp.workflow.machine declarations)."""

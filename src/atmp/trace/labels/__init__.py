"""Labels, as pure computation (no Django): label sizes (sizes), the symbols drawn on them (symbols).

What the label of a lot says, and its PDF and PNG, are in atmp.trace.selectors.labels.
"""

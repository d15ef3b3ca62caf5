def identity_panel(user, record, *, for_print=False):
    return None

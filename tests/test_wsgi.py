"""The WSGI entry point: what start-up made is frozen out of the cycle collector's full passes."""

import gc


def test_the_server_imports_every_page_and_freezes_what_start_up_made():
    import sys

    import atmp.wsgi

    assert callable(atmp.wsgi.application) and gc.get_freeze_count() > 0
    assert "atmp.manufacturing.views.batches" in sys.modules  # the URLconf was imported at start-up

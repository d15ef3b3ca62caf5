"""The home page shows the latest checkpoint's root as the note and the proofs do: base64."""

from __future__ import annotations

import base64

import pytest

from atmp.ledger import checkpoints, keys, note

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_checkpoint_root_in_base64_as_the_note_does(as_inspector, site):
    cp = checkpoints.sign_now()
    in_note = base64.b64encode(note.open_checkpoint(cp.note, keys.verifier()).root).decode()
    page = as_inspector.get("/").content.decode()
    assert f'<code class="hash" data-testid="checkpoint-root">{in_note}</code>' in page
    assert cp.root not in page and cp.root[:24] not in page  # no hex form beside it

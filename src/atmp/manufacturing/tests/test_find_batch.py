"""A batch is found by its number or its id; anything else is no batch (a 404 or exit 2, never a crash)."""

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.manufacturing.services.batches import find_batch


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["¹", "٣", "12345678901234567890123", "", "AAV9-SMN-1999-0001"])
def test_what_names_no_batch_is_refused_naming_the_field(text):
    # '¹' is a digit to str.isdigit() but not to int(): the API fuzz found the 500 it caused.
    with pytest.raises(InvalidInput, match="no batch"):
        find_batch(text)

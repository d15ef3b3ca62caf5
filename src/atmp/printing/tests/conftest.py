import pytest

from atmp.testing import make_signed_history


@pytest.fixture
def signed_site(site, qa_approver, qa_reviewer):
    """A site with a history of three changes and two approvals, the first superseded by a later change."""
    return make_signed_history(site, editor=qa_reviewer, signer=qa_approver, changes=3, signatures=2)

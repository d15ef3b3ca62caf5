"""The web UI's pages; each view declares its permission (@requires or @public)."""

from django.urls import path, re_path

from atmp.web import views, views_accounts, views_audit, views_auth, views_records, views_stats
from atmp.web.pages import page

app_name = "web"

RECORD_TYPE = "<str:record_type>"

urlpatterns = [
    path("", page(views.home), name="home"),
    re_path(r"^static/(?P<path>.+)$", views.static, name="static"),
    # Signing in and out, MFA enrolment.
    path("login/", views_auth.login, name="login"),
    path("logout/", page(views_auth.logout), name="logout"),
    path("account/mfa/", page(views_auth.mfa), name="mfa"),
    path("account/password/", page(views_auth.password), name="password"),
    path("account/", page(views_accounts.account), name="account"),
    path("account/tokens/<str:token_id>/revoke/", page(views_accounts.revoke_token), name="revoke_token"),
    # Any GMP record, by type and id.
    path(f"records/{RECORD_TYPE}/<str:record_id>/", page(views_records.record), name="record"),
    path(f"records/{RECORD_TYPE}/<str:record_id>/sign/", page(views_records.sign), name="sign"),
    path(f"records/{RECORD_TYPE}/<str:record_id>/pdf", page(views_records.record_pdf), name="record_pdf"),
    # Sites and user accounts.
    path("sites/", page(views_accounts.sites), name="sites"),
    path("sites/new/", page(views_accounts.site_create), name="site_create"),
    path("sites/<str:site_id>/edit/", page(views_accounts.site_edit), name="site_edit"),
    path("sites/<str:site_id>/void/", page(views_accounts.site_void), name="site_void"),
    path("users/", page(views_accounts.users), name="users"),
    path("users/<str:user_id>/", page(views_accounts.user), name="user"),
    path("users/<str:user_id>/actions/<str:action>/", page(views_accounts.user_action), name="user_action"),
    path(
        "users/<str:user_id>/roles/<str:assignment_id>/<str:decision>/",
        page(views_accounts.decide_role),
        name="decide_role",
    ),
    # The audit trail, its entries and their proofs; reviews; the ledger's checkpoint and key.
    path("audit/", page(views_audit.audit), name="audit"),
    path("audit/reviews/", page(views_audit.start_review), name="start_review"),
    path("audit/entries/<int:seq>/", page(views_audit.entry), name="entry"),
    path("audit/entries/<int:seq>/proof.json", page(views_audit.proof), name="proof"),
    path("ledger/checkpoint.txt", page(views_audit.checkpoint_note), name="checkpoint"),
    path("ledger/vkey.txt", page(views_audit.vkey), name="vkey"),
    path("ledger/checkpoints/", page(views_audit.sign_checkpoint), name="sign_checkpoint"),
    # The statistics engine: computations, not GMP records.
    path("stats/", page(views_stats.index), name="stats"),
    path("stats/<str:name>/", page(views_stats.analysis_page), name="stats_analysis"),
    path("stats/<str:name>/example.csv", page(views_stats.example), name="stats_example"),
]

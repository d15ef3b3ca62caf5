"""Seal every TOTP secret stored in the clear with the MFA key outside the database (atmp.accounts.sealed).

The column is widened for the sealed form. Not a GMP record change: the stored value changes form,
not meaning, so no ledger entry is written (the mfa_enabled state, which the ledger records, is untouched).
"""

from django.db import migrations, models


def seal_clear_secrets(apps, schema_editor):
    from atmp.accounts import sealed

    User = apps.get_model("accounts", "User")
    clear = [(pk, secret) for pk, secret in User.objects.exclude(mfa_secret="").values_list("pk", "mfa_secret")]
    clear = [(pk, secret) for pk, secret in clear if not sealed.is_sealed(secret)]
    if not clear:
        return
    sealed.create_key()  # `atmp init` makes it first; `django-admin migrate` alone must not lose secrets
    for pk, secret in clear:
        User.objects.filter(pk=pk).update(mfa_secret=sealed.seal(secret, user_id=pk))


def open_sealed_secrets(apps, schema_editor):
    from atmp.accounts import sealed

    User = apps.get_model("accounts", "User")
    for pk, value in User.objects.exclude(mfa_secret="").values_list("pk", "mfa_secret"):
        if sealed.is_sealed(value):
            User.objects.filter(pk=pk).update(mfa_secret=sealed.open_secret(value, user_id=pk))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_credentials_and_approval'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='mfa_secret',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(seal_clear_secrets, open_sealed_secrets),
    ]

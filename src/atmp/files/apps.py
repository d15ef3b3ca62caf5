from django.apps import AppConfig

from atmp.modules import Module


class FilesConfig(AppConfig):
    name = "atmp.files"
    label = "files"
    verbose_name = "Files"
    atmp_module = Module(
        label="files",
        title="Files",
        urls="atmp.files.urls",
        api="atmp.files.api:router",
        cli="atmp.files.cli:files",
        cli_help="Stored files: attach a file to a record, list a record's files, fetch one.",
        panels=("atmp.files.panels:files_panel",),
        demo="atmp.files.demo:load",
        order=10,
    )

    def ready(self) -> None:
        """Put the stored files inside `atmp verify`: every blob is re-hashed (skip with --no-files)."""
        from atmp.files.check import check_files
        from atmp.ledger import verify_hooks

        verify_hooks.register("files", check_files)

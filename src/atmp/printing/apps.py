from django.apps import AppConfig

from atmp.modules import Module


class PrintingConfig(AppConfig):
    name = "atmp.printing"
    label = "printing"
    verbose_name = "Printing"
    # No pages of its own: the shell's record page links to its PDF (atmp.web.record_page), and
    # `atmp print` is a top-level command; the module brings the PDF engine, the proofs and the fonts.
    atmp_module = Module(label="printing", title="Printing", order=20)

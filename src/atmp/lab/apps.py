from django.apps import AppConfig

from atmp.modules import Module, NavEntry


class LabConfig(AppConfig):
    name = "atmp.lab"
    label = "lab"
    verbose_name = "QC laboratory and release"
    atmp_module = Module(
        label="lab",
        title="QC laboratory and release",
        urls="atmp.lab.urls",
        api="atmp.lab.api:router",
        cli="atmp.lab.cli:lab",
        cli_help=(
            "QC laboratory and release: analytical methods and their validation by clinical phase, "
            "specifications by phase, the evaluation of a result against its criterion, and viral clearance "
            "studies (ICH Q5A(R2)), potency assay runs and a batch's reportable potency "
            "(USP <1032>/<1034>, Ph. Eur. 5.3), stability studies with their shelf-life estimate (ICH Q1E), "
            "and the QP's disposition of a batch (certify, release before all "
            "results are in, reject; EU GMP Part IV ch. 11, Annex 16)."
        ),
        nav=(NavEntry("Lab", "lab:index", "records.view"),),
        actions=(
            "atmp.lab.views:for_record",
            "atmp.lab.views_viral:for_record",
            "atmp.lab.views_potency:for_record",
            "atmp.lab.views_results:for_record",
            "atmp.lab.views_stability:for_record",
            "atmp.lab.views_disposition:for_record",
        ),
        panels=("atmp.lab.views_viral:claims_panel",),
        work=("atmp.lab.services.stability.pulls:pull_work", "atmp.lab.selectors.disposition:disposition_work"),
        demo="atmp.lab.demo:load",
        bank_panel="atmp.lab.services.bank_results:panel_status",
        bank_testing="atmp.lab.factories:conforming_bank_panel",
        order=70,
    )

"""atmp.stats: the statistics engine of a regulated CMC lab (pure Python on NumPy, SciPy, statsmodels).

Nothing here imports Django: the lab, comparability, environmental-monitoring and pharmacovigilance
modules call these functions, and so do `atmp stats …`, the REST API and the Statistics page, through
the one catalogue of analyses in `atmp.stats.analyses`. Each formula cites its source beside it;
`docs/statistics.md` explains the methods to users and REGULATORY.md states the conventions.
"""

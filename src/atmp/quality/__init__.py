"""The quality system (GMP Part IV, ICH Q9(R1)/Q10/Q12): deviations, CAPA, change control, risk,
complaints and recalls, controlled documents and training, suppliers, self-inspections and
management review. Each area keeps the same skeleton: models/<area>.py, services/<area>.py,
api/<area>.py, views/<area>.py, cli/<area>.py, templates/quality/<area>/, tests/test_<action>.py.
"""

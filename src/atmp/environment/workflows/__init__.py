"""The environment module's workflows."""

"""Accounts: users, roles, sites, MFA, lockout and segregation of duties."""

"""The manufacturing services: every write of products, process versions and equipment, and its rules."""

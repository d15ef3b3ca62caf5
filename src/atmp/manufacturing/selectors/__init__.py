"""The manufacturing reads beyond a lookup: due and overdue equipment, My work, the change behind a version."""

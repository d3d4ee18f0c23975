"""(filled in by the issue-15 work)."""

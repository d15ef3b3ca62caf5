"""Records as PDF/A-3b documents that carry their own proofs (docs/printing.md)."""

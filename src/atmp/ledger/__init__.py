"""The ledger: the one audited write path, its Merkle tree, checkpoints, signatures and verification."""

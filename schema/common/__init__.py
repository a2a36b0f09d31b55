"""What every feature shares: relay nodes and global IDs, keyset connections, error payloads."""

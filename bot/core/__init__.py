"""The neutral core: what flows, storage and adapters may import. It imports no other project package."""

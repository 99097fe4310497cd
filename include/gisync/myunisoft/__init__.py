"""MyUnisoft partner API: client (auth, pacing, retries, typed errors), reference data and payloads."""

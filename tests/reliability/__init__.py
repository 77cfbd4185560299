"""Reliability and security tests: fault soak, interruption, hostile input,
secrets, transport safety and resource hygiene (issue 8)."""

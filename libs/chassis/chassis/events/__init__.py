"""Event plumbing: broker connections, topology, publishing and consuming."""

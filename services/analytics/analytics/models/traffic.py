"""Front-office traffic: tracked events, sessions (visits) and daily traffic rollups."""

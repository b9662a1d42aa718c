"""Analytics service: sales statistics from events, front-office traffic and dashboards."""

"""Order rules, free of Flask requests, SQLAlchemy sessions and kombu: ``states`` (the three state
machines), ``money`` (totals in minor units) and ``placement`` (the checks of a new order).

Handlers call these functions; tests hit them hardest. Refusals are chassis ``Problem``s.
"""

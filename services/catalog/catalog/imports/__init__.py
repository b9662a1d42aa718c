"""CSV imports and exports of a vendor's offers and products.

``csv_files`` reads an upload into a table (encoding, delimiter, header, limits),
``cells`` parses typed values, ``offer_rows``/``product_rows`` turn one row into a
domain call, ``jobs`` runs a table row by row into an ``ImportJob`` (``row_errors``
turns a domain Problem into a row's errors), and ``exports`` writes the same columns
back out so an export imports unchanged (formula-like text guarded by an apostrophe
that the import takes off again).
"""

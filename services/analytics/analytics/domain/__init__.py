"""Pure rules of the sales statistics, free of Flask and SQLAlchemy: what each metric means and which rollup
scopes it feeds (``metrics``), and how instants fall into hours, days, weeks and months of a time zone
(``buckets``)."""

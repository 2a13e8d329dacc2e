"""What to check: suite files, their governance metadata, and (later) the police rule library.

Nothing in this package imports Great Expectations except ``gx_adapter`` (and
``gx_sql``, its pushdown half) and the rule library's GX classes.
"""

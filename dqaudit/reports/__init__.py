"""Reports for the board: the SIMB audit summary (HTML and Excel), built from the audit store.

Reports hold aggregates only — counts, scores, dates and who owns what — and never read
failing-record keys or values, so a board paper can leave the records team safely.
"""

"""The pushdown benchmark's reference: the custody suite's rules as hand-written SQL.

For each rule, the failing rows' keys are streamed from a server-side cursor (ordered by
key, as dqaudit lists them) and counted: the same work dqaudit does, without GX. The
last line printed is a JSON object of rule id -> failing-key count.

Usage: ``python bench/pushdown_plain_sql.py URL TABLE``
"""

from __future__ import annotations

import json
import sys

import sqlalchemy as sa

SDE = "'W1','W2','W3','W4','W9','M1','M2','M3','M9','A1','A2','A3','A4','A9','B1','B2','B9','O2','O9','NS'"
REASONS = (
    "'To secure or preserve evidence','To obtain evidence by questioning',"
    "'Charged - awaiting court','Charged - for own protection','Breach of bail','Warrant'"
)
RULES = {
    "BEN-001": "station_code IS NULL",
    "BEN-002": "custody_ref IN (SELECT custody_ref FROM {t} WHERE custody_ref IS NOT NULL "
    "GROUP BY custody_ref HAVING count(*) > 1)",
    "BEN-003": "custody_ref IS NOT NULL AND custody_ref !~ '^WM/C/\\d{{7}}$'",
    "BEN-004": f"self_defined_ethnicity IS NOT NULL AND self_defined_ethnicity NOT IN ({SDE})",
    "BEN-005": "officer_ethnicity IS NOT NULL AND officer_ethnicity NOT IN "
    "('IC0','IC1','IC2','IC3','IC4','IC5','IC6')",
    "BEN-006": "age_at_arrival IS NOT NULL AND NOT (age_at_arrival BETWEEN 10 AND 110)",
    "BEN-007": "arrest_datetime IS NOT NULL AND NOT (arrest_datetime BETWEEN "
    "'2020-01-01 00:00:00' AND '2025-12-31 23:59:59')",
    "BEN-008": "release_datetime < detention_authorised_datetime",
    "BEN-009": f"terrorism_act = 'N' AND detention_reason IS NOT NULL "
    f"AND detention_reason NOT IN ({REASONS})",
    "BEN-010": "appropriate_adult IS NOT NULL AND appropriate_adult NOT IN ('Y','N')",
}


def main(url: str, table: str) -> None:
    engine = sa.create_engine(url)
    counts = {}
    with engine.connect() as connection:
        for rule_id, condition in RULES.items():
            query = (
                f"SELECT custody_ref FROM {table} WHERE {condition.format(t=table)} "
                "ORDER BY custody_ref"
            )
            result = connection.execution_options(yield_per=5000).execute(sa.text(query))
            counts[rule_id] = sum(len(batch) for batch in result.partitions())
    engine.dispose()
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

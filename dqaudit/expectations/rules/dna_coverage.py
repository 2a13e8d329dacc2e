"""Serious-offender DNA coverage (Operation Nutmeg): qualifying convictions, no DNA taken.

Operation Nutmeg (2012-13) set out "to ensure that the national DNA database
comprehensively covers all individuals convicted of serious sex offences or homicide"
(ACPO comment on Operation Nutmeg, 16 January 2013); the force report records c1,200
individuals highlighted for retrospective sampling once card records from the 1950s to
1993 had been put on PNC. Nominals convicted before sampling was routine are the ones
missed, so the audit is lasting: every nominal with a qualifying conviction must have a
DNA-taken marker.

Derivation kind ``dna_coverage`` on the nominals (inputs ``convictions`` and
``samples``, pandas only today) adds:

- ``qualifying_offence``: the first of the nominal's convictions (file order) whose
  offence code is in ``code_list`` and not in ``excluded_code_list``; blank if none.
  ACPO's guidance said a sole conviction under the Sexual Offences Act 1956 s.12 or s.13
  does not justify a sample, so those codes never qualify a nominal on their own;
- ``dna_coverage``: ``sample_taken`` (qualifying, and a DNA sample is recorded),
  ``no_sample`` (qualifying, none recorded: the finding), ``not_qualifying``; blank when
  the nominal has no key.

Both code lists are replaceable: the built-in ones are illustrative (the national list is
not published); a ``code_list`` option may name a .yml or .csv file, read from the suite
file's folder when relative.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.expectations.rules import codelists

SAMPLE_TAKEN, NO_SAMPLE, NOT_QUALIFYING = "sample_taken", "no_sample", "not_qualifying"


@dataclass(frozen=True)
class DnaOptions:
    key: str = "nominal_ref"
    conviction_key: str = "nominal_ref"
    offence: str = "offence_code"
    sample_key: str = "nominal_ref"
    code_list: str = "nutmeg_qualifying_offences"
    excluded_code_list: str = "nutmeg_excluded_sole_offences"

    def required(self) -> dict[str, tuple[str, ...]]:
        return {
            "": (self.key,),
            "convictions": (self.conviction_key, self.offence),
            "samples": (self.sample_key,),
        }


def _codes(reference: str, base_dir: Path | None) -> frozenset[str]:
    if codelists.is_file_reference(reference) and base_dir is not None:
        path = Path(reference)
        reference = str(path if path.is_absolute() else base_dir / path)
    return frozenset(codelists.load(reference).codes)


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string") if values.dtype != "string" else values
    return text.str.strip().replace("", pd.NA)


def dna_coverage(
    nominals: pd.DataFrame,
    convictions: pd.DataFrame,
    samples: pd.DataFrame,
    options: DnaOptions,
    base_dir: Path | None = None,
) -> pd.DataFrame:
    """``qualifying_offence`` and ``dna_coverage`` per nominal (module docstring)."""
    o = options
    qualifying = _codes(o.code_list, base_dir) - _codes(o.excluded_code_list, base_dir)
    offences = _text(convictions[o.offence])
    hits = pd.DataFrame({"key": _text(convictions[o.conviction_key]), "offence": offences})[
        offences.isin(qualifying).to_numpy(dtype=bool)
    ].dropna(subset=["key"])
    first = hits.drop_duplicates("key", keep="first").set_index("key")["offence"]
    keys = _text(nominals[o.key])
    offence = first.reindex(keys.to_numpy(dtype=object, na_value=None))
    sampled = keys.isin(set(_text(samples[o.sample_key]).dropna())).to_numpy(dtype=bool)
    qualifies = offence.notna().to_numpy(dtype=bool)
    status = np.select(  # type: ignore[type-var]  # None marks a row with no status
        [keys.isna().to_numpy(dtype=bool), qualifies & sampled, qualifies],
        [None, SAMPLE_TAKEN, NO_SAMPLE],
        default=NOT_QUALIFYING,
    )
    return pd.DataFrame(
        {
            "qualifying_offence": pd.Series(offence.to_numpy(), index=nominals.index).astype(
                "string"
            ),
            "dna_coverage": pd.Series(status, index=nominals.index, dtype="string"),
        },
        index=nominals.index,
    )


def derive_dna_coverage(
    frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], options: Any, context: Any
) -> pd.DataFrame:
    return dna_coverage(frame, inputs["convictions"], inputs["samples"], options, context.base_dir)

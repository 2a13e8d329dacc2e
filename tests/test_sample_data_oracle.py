"""The sample data's defect manifest, checked by an independent oracle.

``sample_data/check_manifest.py`` validates every sample suite with Great Expectations
directly (not dqaudit's engine) and asserts each rule fails exactly the keys the
manifest lists. The demo test proves dqaudit finds them; this proves the manifest is
right without trusting dqaudit's own engine.
"""

from __future__ import annotations

import importlib.util
import warnings

from tests.conftest import SAMPLE_DATA


def test_an_independent_gx_run_finds_exactly_the_manifest_defects() -> None:
    from dqaudit.expectations import gx_adapter

    gx_adapter.is_known_expectation("expect_column_values_to_not_be_null")  # imports GX quietly
    spec = importlib.util.spec_from_file_location(
        "check_manifest", SAMPLE_DATA / "check_manifest.py"
    )
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    with warnings.catch_warnings():
        # the oracle drives GX as a user of GX would (string row conditions, which GX 1.9+
        # deprecates; regexes with groups, which pandas warns about): warnings are GX's
        warnings.simplefilter("ignore")
        assert checker.main(["--skip-regenerate"]) == 0

"""The police rule library: domain checks no generic data-quality tool ships.

The rule *logic* (check-character algorithms, postcode, NI number and VRM patterns, code
lists, geometry, PACE custody derivations, timeliness) lives in GX-free modules that work
on whole pandas Series at once, and as SQLAlchemy expressions for SQL engines. Only
``gx_expectations`` (with its companions ``gx_identifiers`` and ``gx_audit_expectations``)
imports Great Expectations: it wraps that logic as custom expectations, registered by
``gx_adapter`` when a suite first names one of them (``gx_modules`` says which module
defines which). ``catalogue`` lists every built-in rule with the engines it supports,
``derivation_catalogue`` every derived dataset (``dqaudit rules list``). Rules that read other datasets are derivation kinds:
``derived_kinds`` registers those of the audit families (integrity, police.uk,
wanted/missing, locations, DNA coverage) for ``dqaudit.engine.derivation``.
"""

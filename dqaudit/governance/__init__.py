"""SIMB governance: risk bands, approvals, the tamper-evident trail, retention and schedules."""

"""The operator pages (/ops/): thin views over the selectors and services, for staff."""

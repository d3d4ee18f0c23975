"""Every write of the warmup app: outcomes in (outcomes.py), the engine's changes to
numbers (engine.py), plans chosen for businesses and numbers (plans.py)."""

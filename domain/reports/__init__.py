"""Collection metrics: DSO, Best Possible DSO, ADD, CEI and the provision matrix."""

"""Collections: every overdue account has an owner (a collector), a next step and a date."""

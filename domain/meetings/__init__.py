"""Cross-department meetings: scheduling, agendas built from the data, RSVPs,
reminders, minutes and the action items (tasks) that come out of them."""

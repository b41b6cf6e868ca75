"""Risk and overdue alerts: what is watched (``detect``), when a condition is announced
(``dedup``), who hears of it (``routing``) and the use cases that run a scan and record
what people do about an alert (``use_cases``)."""

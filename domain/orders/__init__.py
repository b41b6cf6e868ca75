"""Order review: "can I ship this?" — an order checked against the organisation's order
rules, held when it fails, released by approval or automatically when it passes again."""

"""Credit requests and their approval: who asks for what, who decides, and what changes."""

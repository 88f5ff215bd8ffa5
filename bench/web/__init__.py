"""W1: the staff web UI under load — patient chart page and patient search, 20 concurrent users."""

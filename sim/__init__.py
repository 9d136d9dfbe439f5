"""wijksim: agent-based simulator of long-term neighbourhood programmes."""

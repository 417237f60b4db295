"""Pure business rules used by handlers and jobs: no I/O beyond what they are handed."""

"""A member's personal data under their control: export, erasure and retention."""

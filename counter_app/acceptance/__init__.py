"""Acceptance at the counter (一证受理): the service, what the clerk enters and its checks,
certificate checks, card readers, capacity helper, survey booking and local drafts."""

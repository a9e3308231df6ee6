"""The customer's side of the counter: what the customer screen shows, the confirmation before
printing (请核对) and the 好差评 rating with its follow-ups."""

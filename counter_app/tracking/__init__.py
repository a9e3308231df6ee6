"""After acceptance: stages, time limits (yellow/red), 容缺 deferrals, "where is my application?"
(progress and application search) and the handover of paper files."""

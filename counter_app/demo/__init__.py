"""The demo hall: deterministic staff, customers and applications for training and benchmarks."""

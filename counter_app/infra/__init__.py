"""Infrastructure: database engine and sessions, schema upgrades, configuration, clock, resources,
who is acting (context) and the exceptions every layer raises."""

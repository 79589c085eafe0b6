"""The test toolkit: the pytest plugin's fixtures for code that calls Google Chat."""

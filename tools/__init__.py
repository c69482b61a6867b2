"""Developer tools that are not part of the installed package (not in the wheel): run from the project root."""

"""Helpers shared by test packages (running the real CLI in a child process, killing it)."""

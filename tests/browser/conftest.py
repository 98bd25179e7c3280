"""Pages in a real browser: Debian's chromium driven by Playwright, against the real app on a loopback port.

The `browser` fixture (one chromium for the whole session) is in tests/conftest.py: tests elsewhere use it too.
"""

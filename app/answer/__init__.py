"""Answering a question: understand it once, find the sentences that answer it, let the model phrase only
those, check what it wrote against them. No HTTP, no URLs, no HTML here."""

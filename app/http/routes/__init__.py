"""One router per resource: chat, the OpenAI-compatible chat, staff search, documents, administration."""

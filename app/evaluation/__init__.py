"""`registre eval`: a question set run through the answering path, scored, and reported as HTML."""

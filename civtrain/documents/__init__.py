"""Certificates, completion forms, transcripts and form extracts that anyone can verify (#15)."""

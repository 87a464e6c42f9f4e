"""ASR stage: speech (or text, in text mode) to a transcript."""

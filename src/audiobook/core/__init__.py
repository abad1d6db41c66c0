"""The types and stores every stage shares: the Book, audio, settings, the manifest, the cache,
safe file writes, errors, words and sentences. Imports nothing else of audiobook."""

"""Story clustering: exact copies, near-duplicate syndicated copies (MinHash + LSH), originals."""

"""Evidence portfolio: files, links and notes cross-referenced to elements."""

"""`audiobook check`: a rendered book read back and proven (book), and its HTML report (report)."""

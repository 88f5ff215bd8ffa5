"""PDF documents rendered with fpdf2."""

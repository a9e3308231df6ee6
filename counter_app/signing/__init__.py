"""Signatures on the counter: the hall's seal certificate, the customer's captured signature placed in
each document's signature box, PAdES-sealed PDFs and their verification."""

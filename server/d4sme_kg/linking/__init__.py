"""Linking the graph's entities to Wikidata and the OECD (``d4sme-kg link``).

``client`` talks to SPARQL endpoints (cache, retries), ``terms`` writes safe VALUES
blocks, ``entities`` reads what we link, ``scoring`` decides, ``linkfile`` keeps the
reviewable links file, ``wikidata``/``oecd`` are the two linkers and ``commands`` the CLI.
"""

"""d4sme-kg: a knowledge graph of Kakao's article on the first OECD D4SME roundtable.

The pipeline stages are plain functions: :func:`d4sme_kg.loading.load_project`,
:func:`d4sme_kg.validation.validate_graph`, :func:`d4sme_kg.export.export_graph`;
the CLI (:mod:`d4sme_kg.cli`) and the web layer (:mod:`d4sme_kg.web`) are thin shells
over them.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

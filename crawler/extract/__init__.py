"""Article extraction stage: ``FetchedPage`` -> cleaned ``Article`` (trafilatura + project cleaning)."""

from .extractor import EXTRACTOR_VERSION, ExtractResult, extract_page
from .pool import ExtractionPool

__all__ = ["EXTRACTOR_VERSION", "ExtractResult", "ExtractionPool", "extract_page"]

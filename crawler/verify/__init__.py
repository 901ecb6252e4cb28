"""Fixity audit of a store (``crawler verify``): see :mod:`crawler.verify.audit`."""

from crawler.verify.audit import StoreMissing, UnknownCrawl, verify_store
from crawler.verify.report import Problem, Report

__all__ = ["verify_store", "Report", "Problem", "StoreMissing", "UnknownCrawl"]

"""Browsing the archive: pywb replay of the store (:mod:`crawler.replay.pywb`)."""

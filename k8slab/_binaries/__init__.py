"""Obtaining what the lab runs: the binary catalogue, downloads with checksums, Go builds, images.

Why a folder of its own: obtaining binaries is slow, offline-aware and independent of any
cluster; the engines and the real-tool runners ask it for paths and never the reverse.
"""

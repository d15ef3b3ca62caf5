"""Bound the memory a statistics request can take: its size, before anything reads it, and how many run at once.

A CSV parsed into columns takes about 40 times its size in memory (Python strings per cell), so the
server accepts per analysis what the catalogue declares (`Analysis.max_bytes`, `max_rows`) and runs at
most ATMP_STATS_CONCURRENCY analyses at once per process (default 2). This middleware sits in front of
both entry points, `POST /api/v1/stats/<name>[/upload]` and the page `POST /stats/<name>/`:

* a request whose Content-Length is over the analysis's limit is answered 413 before any byte of its
  body is read (Django's CSRF check and django-ninja would otherwise parse the whole multipart body
  first, to a temporary file);
* a request arriving while every slot is taken is answered 503 with Retry-After, at once, instead of
  queueing in memory.

The views check the size again (a body without Content-Length) and the rows before parsing.

Stored files (atmp.files) get the same early refusal: a file upload, `POST /files/attach/…` or
`POST /api/v1/records/<type>/<id>/attachments`, whose Content-Length is over ATMP_MAX_FILE_BYTES
(plus the form) is answered 413 before its body is read; the files service counts the bytes
again while it streams them to disk, for a body without Content-Length.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from atmp import config
from atmp.files.storage import max_file_bytes
from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import Analysis
from atmp.stats.table import FILE

API = re.compile(r"^/api/v1/stats/(?P<name>[a-z0-9-]+)(?:/upload)?/?$")
PAGE = re.compile(r"^/stats/(?P<name>[a-z0-9-]+)/$")
FILE_UPLOAD = re.compile(r"^/(?:api/v1/records/[^/]+/[^/]+/attachments/?|files/attach/[^/]+/[^/]+/)$")
FORM_ALLOWANCE = 64 * 1024  # the options and the multipart boundaries around the file
RETRY_AFTER_SECONDS = 10


def max_request_bytes() -> int:
    """Return the largest request body the server need accept: the largest analysis's limit and the form.

    `atmp serve` gives it to waitress (max_request_body_size), which otherwise receives a whole body,
    to a temporary file, before the application sees its headers; with it, waitress answers 413 at once.
    """
    return max(max(a.max_bytes for a in ANALYSES.values()), max_file_bytes()) + FORM_ALLOWANCE


def concurrency() -> int:
    """Return how many analyses one server process runs at once (ATMP_STATS_CONCURRENCY, default 2)."""
    return config.int_setting("ATMP_STATS_CONCURRENCY", 2)


class StatsUploadLimits:
    """Refuse an oversized statistics request or file upload (413), or an analysis finding every slot busy (503)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and FILE_UPLOAD.match(request.path_info):
            return self._file_upload(request)
        analysis = _analysis_of(request)
        if analysis is None:
            return self.get_response(request)
        length = _content_length(request)
        if length > analysis.max_bytes + FORM_ALLOWANCE:
            message = (
                f"{FILE}: the request is {length:,} bytes; {analysis.name} accepts a CSV of at most "
                f"{analysis.limits()} on the server (`atmp stats` on the command line reads larger files)"
            )
            return refuse(request, 413, message, limit_bytes=analysis.max_bytes, limit_rows=analysis.max_rows)
        slots = _slots()
        if not slots.acquire(blocking=False):
            message = (
                f"the server is computing {concurrency()} analyses already, its limit: "
                f"try again in {RETRY_AFTER_SECONDS} seconds"
            )
            response = refuse(request, 503, message)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        try:
            return self.get_response(request)
        finally:
            slots.release()

    def _file_upload(self, request: HttpRequest) -> HttpResponse:
        limit = max_file_bytes()
        length = _content_length(request)
        if length > limit + FORM_ALLOWANCE:
            message = f"file: the request is {length:,} bytes; atmp stores files of at most {limit:,} bytes"
            return refuse(request, 413, message, limit_bytes=limit)
        return self.get_response(request)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body then; the views check the file's size as well


_SLOTS: threading.BoundedSemaphore | None = None
_SLOTS_LOCK = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    """Return the process's analysis slots (one semaphore per server process, made on first use)."""
    global _SLOTS  # one per process, shared by every handler and thread
    with _SLOTS_LOCK:
        if _SLOTS is None:
            _SLOTS = threading.BoundedSemaphore(concurrency())
        return _SLOTS


def _analysis_of(request: HttpRequest) -> Analysis | None:
    if request.method != "POST":
        return None
    match = API.match(request.path_info) or PAGE.match(request.path_info)
    return ANALYSES.get(match["name"]) if match else None


def refuse(request: HttpRequest, status: int, message: str, **extra: int) -> HttpResponse:
    """Answer a refused statistics request: JSON on the API, a page on the web."""
    if request.path_info.startswith("/api/"):
        field = ("file" if FILE_UPLOAD.match(request.path_info) else FILE) if status == 413 else None
        return JsonResponse({"detail": message, "field": field, **extra}, status=status)
    title = "File too large" if status == 413 else "Server busy"
    if FILE_UPLOAD.match(request.path_info):
        return render(request, "files/refused.html", {"message": message, "back": "/"}, status=status)
    return render(request, "web/stats_refused.html", {"title": title, "message": message}, status=status)

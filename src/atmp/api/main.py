"""The REST API at /api/v1/ (django-ninja), with its OpenAPI document at /api/v1/openapi.json."""

from ninja import NinjaAPI

import atmp

api = NinjaAPI(title="atmp", version=atmp.__version__, urls_namespace="api")

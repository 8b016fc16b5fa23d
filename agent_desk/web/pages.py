"""Page routes: `/` and the four pages, and their static files (no external CDN: 002 三(二)3
asks for a system that keeps working inside the government network)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {
    "": "index.html",
    "desk": "desk.html",
    "wallboard": "wallboard.html",
    "portal": "portal.html",
    "public": "public.html",
    "admin": "admin.html",
}
MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC / PAGES[name], media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@router.get("/")
async def index() -> FileResponse:
    return _page("")


@router.get("/desk")
async def desk() -> FileResponse:
    return _page("desk")


@router.get("/wallboard")
async def wallboard() -> FileResponse:
    return _page("wallboard")


@router.get("/portal")
async def portal() -> FileResponse:
    return _page("portal")


@router.get("/public")
async def public() -> FileResponse:
    return _page("public")


@router.get("/admin")
async def admin() -> FileResponse:
    return _page("admin")


@router.get("/static/{path:path}")
async def static(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    # Only files inside static/ with a known type: no directory walking, no HTML by this route.
    if not target.is_relative_to(STATIC) or not target.is_file() or target.suffix not in MEDIA:
        raise HTTPException(404, "文件不存在")
    return FileResponse(target, media_type=MEDIA[target.suffix], headers={"Cache-Control": "no-cache"})

"""`/favicon.ico`: the portal's mark (a white tick on the header's red), so no page asks for a
file that is not there. Drawn once, in memory; public like the sign-in page."""

from functools import lru_cache
from io import BytesIO

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()
RED, WHITE = (180, 18, 27, 255), (255, 255, 255, 255)


@lru_cache
def icon() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), RED)
    ImageDraw.Draw(image).line([(14, 34), (27, 47), (50, 18)], fill=WHITE, width=8, joint="curve")
    out = BytesIO()
    image.save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])
    return out.getvalue()


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(icon(), media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})

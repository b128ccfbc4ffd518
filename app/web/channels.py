"""Where a signed-in person sets their own messenger channels (企业微信/政务微信, DingTalk, a
webhook): digests go there besides mail, and everything else too if they choose."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.web.deps import Acting, SignedIn
from app.web.pages import language_of, page
from app.web.security import require_csrf
from messages import labels
from models.columns import stored_id
from models.people.channels import CHANNEL_LABELS, ChannelKind
from services import context as ctx
from services.messengers import my_channels, remove_my_channel, set_my_channel

router = APIRouter()


@router.get("/me/channels", response_class=HTMLResponse)
def channels_page(request: Request, visitor: SignedIn) -> Response:
    language = language_of(visitor)
    return page(request, "channels.html", {
        "visitor": visitor, "channels": my_channels(stored_id(visitor.person), language),
        "kinds": [(k.value, labels.label(CHANNEL_LABELS, k, language)) for k in ChannelKind],
        "webhook_hosts": ", ".join(ctx.settings().allowed_webhook_hosts)})


@router.post("/me/channels")
async def channels_change(request: Request, visitor: Acting) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    require_csrf(visitor.anchor, form.get("csrf"))
    person_id: int = stored_id(visitor.person)
    text = {k: str(form.get(k) or "")[:600] for k in ("kind", "target", "secret", "remove")}
    if text["remove"]:
        await run_in_threadpool(remove_my_channel, person_id, kind=text["remove"])
        return RedirectResponse("/me/channels?done=removed", status_code=303)
    await run_in_threadpool(set_my_channel, person_id, kind=text["kind"], target=text["target"],
                            secret=text["secret"], everything=form.get("everything") == "on")
    return RedirectResponse("/me/channels?done=saved", status_code=303)

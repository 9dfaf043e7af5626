"""The demo's message pages: what the demo parcels would have sent, newest first.

`/_demo/messages` lists the captured emails and SMS; `/_demo/messages/{id}` answers an email's HTML
as a mail client shows it, under its own policy (inline styles and remote images, nothing else),
framed by the list page in a sandbox. Mounted only by `suivi serve --demo`.
"""

from __future__ import annotations

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from suivi_server.notifications.mailbox import Mailbox

# The list page's own policy: its inline styles, and frames of this server's message pages.
LIST_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# An email as a client shows it: its inline styles and its images, never a script or a form.
MESSAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:"

_LIST = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Messages sent by the demo</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
li { border-bottom: 1px solid #ddd; padding: .75rem 0; list-style: none; }
ul { padding: 0; }
.meta { color: #555; font-size: .875rem; }
.channel { font-weight: bold; text-transform: uppercase; font-size: .75rem; }
iframe { width: 100%; height: 44rem; border: 1px solid #ccc; margin-top: .5rem; }
.sms { white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f4f6;
  padding: .5rem .75rem; border-radius: .5rem; }
</style>
</head>
<body>
<h1>Messages sent by the demo · Messages envoyés par la démo</h1>
<p>Captured here instead of being sent: no email or SMS leaves the demo.
Ces messages sont gardés ici au lieu d'être envoyés.</p>
{% if not messages %}
<p class="empty">No message yet · Aucun message pour l'instant</p>
{% endif %}
<ul>
{% for m in messages %}
<li class="message message--{{ m.channel }}">
<span class="channel">{{ m.channel }}</span>
<span class="meta">{{ m.captured_at.strftime("%Y-%m-%d %H:%M UTC") }} · {{ m.recipient }}</span>
{% if m.html is not none %}
<details>
<summary>{{ m.subject or "" }}</summary>
<a href="/_demo/messages/{{ m.id }}" target="_blank" rel="noopener">Open · Ouvrir</a>
<iframe sandbox loading="lazy" src="/_demo/messages/{{ m.id }}"
 title="{{ m.subject or '' }}"></iframe>
</details>
{% else %}
{% if m.subject %}<p>{{ m.subject }}</p>{% endif %}
<p class="sms">{{ m.text }}</p>
{% endif %}
</li>
{% endfor %}
</ul>
</body>
</html>
"""
)


def routes(mailbox: Mailbox) -> list[Route]:
    async def index(request: Request) -> Response:
        body = _LIST.render(messages=list(mailbox))
        return HTMLResponse(
            body, headers={"Content-Security-Policy": LIST_CSP, "Cache-Control": "no-store"}
        )

    async def message(request: Request) -> Response:
        found = mailbox.get(request.path_params["id"])
        if found is None:
            return PlainTextResponse("No such message.", status_code=404)
        headers = {
            "Content-Security-Policy": MESSAGE_CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        }
        if found.html is None:
            return PlainTextResponse(found.text, headers=headers)
        return HTMLResponse(found.html, headers=headers)

    return [
        Route("/_demo/messages", index, name="demo_messages"),
        Route("/_demo/messages/{id:int}", message, name="demo_message"),
    ]

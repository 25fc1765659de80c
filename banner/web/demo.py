"""The demo shop "Toko Demo": a page on another origin that embeds the loader.

``banner run`` without a config serves it beside the service so a person can
watch the gate work: the page embeds ``loader.js`` from the service, the demo
site configures GA4, Meta Pixel, Tag Manager, TikTok Pixel and a referral
parameter, and a small panel (``static/demo.js``) lists the tracker requests
made, what reached ``dataLayer`` and TikTok's ``ttq`` queue, and the cookies
present.
The page runs under a strict Content Security Policy, as a careful shop would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from werkzeug.wrappers import Request, Response

from banner.core.config import SiteConfig
from banner.core.demo_site import DEMO_SITE
from banner.resources import resource_dir
from banner.web.drawn_layer import NOT_DRAWN, DrawnLayer, first_layer

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TRACKER_SCRIPT_HOSTS = (
    "https://www.googletagmanager.com https://connect.facebook.net https://analytics.tiktok.com "
    "https://www.tiktok.com"
)
ASSETS = {"/demo.js": "text/javascript", "/demo.css": "text/css"}

PRODUCTS = (
    ("Kopi Gayo 250 g", "Rp 85.000"),
    ("Teh Melati 100 g", "Rp 32.000"),
    ("Gula Aren 500 g", "Rp 28.000"),
    ("Kerupuk Udang", "Rp 19.500"),
)

SHOP_PAGE = """<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Toko Demo</title>
<link rel="stylesheet" href="/demo.css">{drawn_head}
<script src="{loader}" async></script>
<script src="/demo.js" defer></script>
</head>
<body>{drawn_body}
<header><strong>Toko Demo</strong>
<nav><a href="/">Beranda</a> <a href="/?ref=mitra-demo">Lewat tautan mitra</a>
<a href="/kebijakan-privasi">Kebijakan privasi</a>
<button type="button" data-banner-open>Pengaturan privasi</button></nav></header>
<main>
<h1>Produk pilihan</h1>
<ul class="products">{products}</ul>
<script type="text/plain" data-category="analytics" src="/demo-tag.js"></script>
<section class="embeds" aria-labelledby="embeds-title">
<h2 id="embeds-title">Video dan lokasi toko</h2>
<iframe data-category="marketing" data-service="YouTube" title="Video: cara merawat batik"
  data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" width="560" height="315"
  allow="encrypted-media; picture-in-picture" allowfullscreen></iframe>
<div data-banner-embed data-category="marketing" data-service="TikTok" class="tiktok">
<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@tokodemo/video/7000000000000000000"
  data-video-id="7000000000000000000"><a href="https://www.tiktok.com/@tokodemo">@tokodemo di
  TikTok</a></blockquote>
<script type="text/plain" data-category="marketing" src="https://www.tiktok.com/embed.js"></script>
</div>
<iframe data-category="functional" data-service="Google Maps" title="Peta: lokasi Toko Demo"
  data-src="https://www.google.com/maps/embed?pb=!1m14!1m12!1m3!1d15865!2d106.8227!3d-6.1754"
  width="400" height="300"></iframe>
</section>
<section class="panel" aria-labelledby="panel-title">
<h2 id="panel-title">Yang terjadi di halaman ini</h2>
<p>Kategori yang disetujui: <output id="granted">(belum ada pilihan)</output></p>
<h3>Permintaan ke pelacak</h3>
<ul id="requests"><li>Belum ada.</li></ul>
<h3>dataLayer (Google Tag Manager GTM-DEMO123)</h3>
<ul id="layer-calls"><li>Belum ada.</li></ul>
<h3>Antrean TikTok Pixel (ttq)</h3>
<ul id="ttq-calls"><li>Belum ada.</li></ul>
<h3>Cookie di situs ini</h3>
<ul id="cookies"><li>Belum ada.</li></ul>
</section>
</main>
</body>
</html>
"""

POLICY_PAGE = """<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>Kebijakan privasi - Toko Demo</title>
<link rel="stylesheet" href="/demo.css">{drawn_head}<script src="{loader}" async></script></head>
<body>{drawn_body}<main><h1>Kebijakan privasi</h1>
<p>Toko Demo adalah contoh. Pilihan cookie Anda dicatat oleh layanan persetujuan dan
dapat diubah kapan saja lewat <button type="button" data-banner-open>pengaturan
privasi</button>.</p><p><a href="/">Kembali ke toko</a></p></main></body></html>
"""

#: A gated first-party tag: runs only once analytics is granted.
DEMO_TAG = "document.documentElement.dataset.demoTag = 'ran';\n"


def shop_policy(service_url: str) -> str:
    """The demo page's CSP: no inline script or style, only named hosts."""
    return (
        f"script-src 'self' {service_url} {TRACKER_SCRIPT_HOSTS}; "
        f"style-src 'self' {service_url}; object-src 'none'; base-uri 'none'"
    )


def loader_url(service_url: str) -> str:
    return f"{service_url}/s/{DEMO_SITE}/loader.js"


def shop_page(service_url: str, drawn: DrawnLayer = NOT_DRAWN) -> str:
    """The shop's HTML, embedding the loader from ``service_url``, and ``drawn`` (if drawn)."""
    products = "".join(
        f"<li><span>{escape(name)}</span> <span>{escape(price)}</span></li>"
        for name, price in PRODUCTS
    )
    return SHOP_PAGE.format(
        loader=escape(loader_url(service_url)),
        products=products,
        drawn_head=drawn.head,
        drawn_body=drawn.body,
    )


def policy_page(service_url: str, drawn: DrawnLayer = NOT_DRAWN) -> str:
    return POLICY_PAGE.format(
        loader=escape(loader_url(service_url)), drawn_head=drawn.head, drawn_body=drawn.body
    )


def _asset(path: str) -> Response:
    body = (resource_dir("static") / path.lstrip("/")).read_bytes()
    return Response(body, mimetype=ASSETS[path])


def demo_shop_app(service_url: str, site: SiteConfig | None = None) -> WSGIApp:
    """A WSGI app serving the demo shop, whose loader comes from ``service_url``.

    :param service_url: the consent service's origin, like ``http://127.0.0.1:8000``.
    :param site: the demo site's config: given, the shop's back end puts the
        banner's first layer in its pages for a browser without a consent
        cookie (:mod:`banner.web.drawn_layer`), as a Python site can.
    """
    service_url = service_url.rstrip("/")
    pages = {"/": shop_page, "/kebijakan-privasi": policy_page}
    policy = shop_policy(service_url)

    def drawn(request: Request) -> DrawnLayer:
        if site is None:
            return NOT_DRAWN
        return first_layer(
            site,
            service_url,
            cookies=request.headers.get("Cookie"),
            lang="id",
            gpc=request.headers.get("Sec-GPC") == "1",
        )

    def respond(request: Request) -> Response:
        if request.path in pages:
            layer = drawn(request)
            response = Response(pages[request.path](service_url, layer), mimetype="text/html")
            if site is not None:
                response.headers.update(layer.headers)
            response.headers["Content-Security-Policy"] = policy
            return response
        if request.path in ASSETS:
            return _asset(request.path)
        if request.path == "/demo-tag.js":
            return Response(DEMO_TAG, mimetype="text/javascript")
        return Response("Tidak ditemukan", status=404, mimetype="text/plain")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = respond(Request(environ))
        return response(environ, start_response)

    return app

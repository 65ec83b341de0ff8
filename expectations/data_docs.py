"""Great Expectations Data Docs that render offline.

GX's pages load Bootstrap, bootstrap-table, jQuery, Popper, the datepicker and Font Awesome from
CDNs; on a network without internet they come out unstyled and the index (a bootstrap-table filled
by script) empty. GX's own hook for views (``plugins/custom_data_docs/views``) cannot replace its
shipped templates (its loader consults them first), so after every build ``localise`` rewrites
the pages just written: each CDN tag points at the copy under ``expectations/vendor`` (fetched by
``scripts/vendor_data_docs_assets.sh``, the versions GX names), copied into the site's
``static/vendor``. The two optional links without a copy (the dark theme, and Vega, which only
profiling pages' charts use) are dropped.
"""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).parent / "vendor"
LOCAL = {  # CDN URL in GX's pages -> the copy, from the site's root (vendor/: expectations/vendor)
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "static/vendor/bootstrap-table-1.19.1/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "static/vendor/bootstrap-table-1.19.1/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "static/vendor/bootstrap-table-1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "static/vendor/bootstrap-table-1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "static/vendor/bootstrap-table-1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "static/vendor/bootstrap-4.3.1/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "static/vendor/bootstrap-4.3.1/dist/js/bootstrap.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "static/vendor/jquery-3.7.1/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "static/vendor/popper.js-1.12.9/dist/umd/popper.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "static/vendor/bootstrap-datepicker-1.9.0/dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "static/vendor/bootstrap-datepicker-1.9.0/dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "static/vendor/fortawesome-fontawesome-free-6.6.0/css/all.min.css"
    ),
    # the logo GX's navbar fetches (with the site's id in its query): its own copy of it
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png": (
        "static/images/logo-long-vector.svg"
    ),
}
LEFT_OUT = (  # optional: no local copy, the tag is dropped
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://cdn.jsdelivr.net/npm/vega-lite@5",
    "https://cdn.jsdelivr.net/npm/vega-embed@6",
)
TAG = re.compile(r"<(link|script|img)\b[^>]*\b(?:href|src)=\"(https://[^\"]+)\"[^>]*>(?:\s*</script>)?")

FAVICON = re.compile(r'href="(?:\.\./)*static/images/favicon\.ico"')


def localised(page: str, depth: int) -> str:
    """A page of the site with every CDN tag pointing at the vendored copy (or dropped); ``depth``:
    how many folders below the site's root the page lies. Tags of unknown URLs stay (the offline
    test lists them)."""
    root = "../" * depth

    def swap(tag: re.Match) -> str:
        url = tag.group(2)
        plain = url.split("?")[0]
        if plain in LEFT_OUT:
            return ""
        if plain not in LOCAL:
            return tag.group(0)
        attribute = "href" if tag.group(1) == "link" else "src"
        stripped = re.sub(r'\s(?:integrity|crossorigin)="[^"]*"', "", tag.group(0))
        return stripped.replace(f'{attribute}="{url}"', f'{attribute}="{root}{LOCAL[plain]}"')

    # GX's favicon link counts one folder too few on validation pages: point it at the root's
    page = FAVICON.sub(f'href="{root}static/images/favicon.ico"', page)
    return TAG.sub(swap, page)


def localise(site: Path, since: float = 0.0) -> None:
    """Point the site's pages written since ``since`` (a time.time(); 0: all) at the vendored
    assets, and copy those into ``static/vendor``. A GX build rewrites only the pages it renders
    (the index and the new run's pages), so a gate run touches only those."""
    for page in site.rglob("*.html"):
        if page.stat().st_mtime < since:
            continue
        text = page.read_text(encoding="utf-8")
        done = localised(text, len(page.relative_to(site).parts) - 1)
        if done != text:
            page.write_text(done, encoding="utf-8")
    install_assets(site)


def configure(context) -> None:
    """The site without GX's tutorial buttons and newsletter footer (they cover the last rows of
    the index); saved once into the home's ``great_expectations.yml``."""
    sites = context.variables.data_docs_sites or {}
    site = sites.get("local_site")
    if site is not None and site.get("show_how_to_buttons", True):
        site["show_how_to_buttons"] = False
        context.variables.data_docs_sites = sites
        context.variables.save()


def install_assets(site: Path) -> None:
    """Copy the vendored files into the site's ``static/vendor`` (those missing or changed)."""
    for source in VENDOR.rglob("*"):
        if source.is_file():
            target = site / "static" / "vendor" / source.relative_to(VENDOR)
            if not target.is_file() or not filecmp.cmp(source, target, shallow=False):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)

"""Offline Data Docs: every CDN tag of GX's pages has a vendored copy, pages are rewritten to it."""

import re
from pathlib import Path

import great_expectations

from expectations.data_docs import LEFT_OUT, LOCAL, TAG, VENDOR, localised

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"


def test_every_remote_asset_of_gx_templates_has_a_copy_or_is_left_out():
    """Fails after a GX upgrade that names a new CDN file: re-run scripts/vendor_data_docs_assets.sh."""
    remote = {
        url.split("?")[0]
        for template in TEMPLATES.glob("*.j2")
        for url in re.findall(
            r"<(?:link|script)\b[^>]*\b(?:href|src)=\"(https://[^\"]+)\"", template.read_text()
        )
    }
    assert remote, "GX templates no longer name CDN assets: is this module still needed?"
    assert remote - set(LOCAL) - set(LEFT_OUT) == set()


def test_every_copy_is_vendored():
    for local in LOCAL.values():
        if local.startswith("static/vendor/"):
            assert (VENDOR / local.removeprefix("static/vendor/")).is_file(), local


def test_a_page_is_pointed_at_the_copies_from_its_depth():
    page = (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>\n'
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>\n'
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>\n'
        '<a href="https://greatexpectations.io">GX</a>\n'
        '<script src="https://example.org/unknown.js"></script>\n'
        '<link rel="icon" href="../../../static/images/favicon.ico">'
    )
    done = localised(page, depth=4)
    assert 'href="../../../../static/vendor/bootstrap-4.3.1/dist/css/bootstrap.min.css"' in done
    assert (
        '<script src="../../../../static/vendor/bootstrap-4.3.1/dist/js/bootstrap.min.js"></script>' in done
    )
    assert "vega" not in done  # optional, no copy: dropped
    assert '<a href="https://greatexpectations.io">' in done  # links stay links
    assert (
        '<script src="https://example.org/unknown.js"></script>' in done
    )  # unknown: left for the test above
    assert 'href="../../../../static/images/favicon.ico"' in done  # GX counts one folder too few
    assert localised(done, depth=4) == done
    assert 'href="static/vendor/bootstrap-4.3.1' in localised(page, depth=0)


def test_the_tag_pattern_takes_whole_script_elements():
    assert TAG.sub("", '<script src="https://a/b.js"></script>x') == "x"

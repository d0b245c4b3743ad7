"""The test suite's SCORM packages: the platform's own sample SCO (`civtrain.scorm.samples`,
shared with the demo's courseware step) in a 1.2 and a 2004 package, and the broken
variants the refusal tests need."""

from civtrain.scorm.samples import (
    INDEX_HTML,
    SCHEMAVERSION,
    SCO_JS,
    STYLE_CSS,
    content,
    manifest,
    package_zip,
    zip_of,
)

__all__ = [
    "INDEX_HTML",
    "SCHEMAVERSION",
    "SCO_JS",
    "STYLE_CSS",
    "content",
    "manifest",
    "package_zip",
    "zip_of",
]

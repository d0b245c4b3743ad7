"""SCORM packages built by the platform itself (issue #12 must-show; the tests' builders and
the demo's courseware, `civtrain/demo/learning.py`): a small SCO of four pages that calls the
runtime API — initialise, read its location and suspend data, set them
on each page, set completion/success/score on the last one, commit, terminate — in a 1.2
and a 2004 (4th edition) package, and the broken variants the refusal tests need."""

import io
import zipfile
from typing import Any

from civtrain.scorm.data import ScormVersion

SCHEMAVERSION = {ScormVersion.SCORM12: "1.2", ScormVersion.SCORM2004: "2004 4th Edition"}

_MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="civtrain.test.{version}" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>
  <organizations default="ORG1">
    <organization identifier="ORG1">
      <title>{title}</title>
      <item identifier="ITEM1" identifierref="{identifierref}"><title>第一讲</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="{href}">
{files}
    </resource>
  </resources>
</manifest>
"""

_MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="civtrain.test.{version}" version="1.0"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>
  <organizations default="ORG1">
    <organization identifier="ORG1">
      <title>{title}</title>
      <item identifier="ITEM1" identifierref="{identifierref}"><title>第一讲</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="{href}">
{files}
    </resource>
  </resources>
</manifest>
"""

INDEX_HTML = """<!DOCTYPE html>
<html lang="zh-CN" data-scorm="{version}">
<head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="style.css"></head>
<body>
  <h1 id="sco-title">{title}（{label}）</h1>
  <p id="sco-resumed" hidden></p>
  <p>第 <span id="sco-page">1</span> 页 / 共 4 页</p>
  <p id="sco-status"></p>
  <button type="button" id="sco-next">下一页</button>
  <button type="button" id="sco-exit">退出</button>
  <script src="js/sco.js"></script>
</body>
</html>
"""

# The SCO: finds the API in its parents as the standard says, and speaks either dialect.
SCO_JS = r"""(function () {
  "use strict";
  var v2004 = document.documentElement.getAttribute("data-scorm") === "scorm2004";
  function find(name) {
    var win = window;
    for (var i = 0; i < 10 && win; i++) {
      if (win[name]) return win[name];
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var api = find(v2004 ? "API_1484_11" : "API");
  var K = v2004
    ? { location: "cmi.location", status: "cmi.completion_status", exit: "cmi.exit",
        score: "cmi.score.raw" }
    : { location: "cmi.core.lesson_location", status: "cmi.core.lesson_status",
        exit: "cmi.core.exit", score: "cmi.core.score.raw" };
  function get(key) { return v2004 ? api.GetValue(key) : api.LMSGetValue(key); }
  function set(key, value) {
    var ok = v2004 ? api.SetValue(key, value) : api.LMSSetValue(key, value);
    if (String(ok) !== "true") throw new Error("SetValue " + key + " refused");
  }
  function commit() { return v2004 ? api.Commit("") : api.LMSCommit(""); }
  if (!api) { document.getElementById("sco-status").textContent = "找不到 SCORM API"; return; }
  v2004 ? api.Initialize("") : api.LMSInitialize("");
  var pages = 4;
  var page = parseInt(get(K.location), 10) || 1;
  var visited = get("cmi.suspend_data");
  if (visited) {
    var resumed = document.getElementById("sco-resumed");
    resumed.textContent = "从第 " + page + " 页继续（已看过：" + visited + "）";
    resumed.hidden = false;
  }
  function show() {
    document.getElementById("sco-page").textContent = String(page);
    document.getElementById("sco-next").disabled = page >= pages;
  }
  function record() {
    set(K.location, String(page));
    set("cmi.suspend_data", "pages=" + page);
    if (page >= pages) {
      set(K.score, "90");
      if (v2004) {
        set("cmi.completion_status", "completed");
        set("cmi.success_status", "passed");
        set("cmi.score.scaled", "0.9");
      } else {
        set(K.status, "passed");
      }
      document.getElementById("sco-status").textContent = "已完成";
    } else if (!v2004 && get(K.status) === "not attempted") {
      set(K.status, "incomplete");
    }
    commit();
  }
  show();
  record();
  document.getElementById("sco-next").addEventListener("click", function () {
    page = Math.min(pages, page + 1);
    show();
    record();
  });
  document.getElementById("sco-exit").addEventListener("click", function () {
    set(K.exit, page >= pages ? "normal" : "suspend");
    v2004 ? api.Terminate("") : api.LMSFinish("");
    document.getElementById("sco-status").textContent = "已退出";
  });
})();
"""

STYLE_CSS = "body { font-family: sans-serif; }\n"


def manifest(
    version: ScormVersion,
    *,
    title: str = "测试课件",
    href: str = "index.html",
    identifierref: str = "RES1",
    files: tuple[str, ...] = ("index.html", "js/sco.js", "style.css"),
    schemaversion: str | None = None,
) -> str:
    template = _MANIFEST_12 if version is ScormVersion.SCORM12 else _MANIFEST_2004
    return template.format(
        version=version.value,
        schemaversion=SCHEMAVERSION[version] if schemaversion is None else schemaversion,
        title=title,
        href=href,
        identifierref=identifierref,
        files="\n".join(f'      <file href="{name}"/>' for name in files),
    )


def content(version: ScormVersion, title: str = "测试课件") -> dict[str, bytes]:
    return {
        "index.html": INDEX_HTML.format(
            version=version.value, label=version.label, title=title
        ).encode(),
        "js/sco.js": SCO_JS.encode(),
        "style.css": STYLE_CSS.encode(),
    }


def package_zip(
    version: ScormVersion = ScormVersion.SCORM12,
    *,
    manifest_xml: str | None = None,
    files: dict[str, bytes] | None = None,
    without: tuple[str, ...] = (),
    **manifest_options: Any,
) -> bytes:
    """A zip of the test SCO; `manifest_xml`/`files` replace or add members, `without` drops."""
    members: dict[str, bytes] = {
        "imsmanifest.xml": (manifest_xml or manifest(version, **manifest_options)).encode(),
        **content(version, manifest_options.get("title", "测试课件")),
        **(files or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name not in without:
                archive.writestr(_member(name), data)
    return buffer.getvalue()


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def zip_of(members: dict[str, bytes]) -> bytes:
    """A plain zip of exactly these members (names kept as given, `../` included)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(_member(name), data)
    return buffer.getvalue()

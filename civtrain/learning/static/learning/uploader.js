// Resumable video upload (#12 item 2): the file goes up in chunks with Content-Range; after
// a failure the uploader asks how much arrived and continues from there. Progress is shown.
(function () {
  "use strict";
  var box = document.getElementById("video-upload");
  if (!box) { return; }
  var CHUNK = 4 * 1024 * 1024;
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-bar");

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function form(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: body })
      .then(function (r) { return r.json().then(function (d) { return { status: r.status, data: d }; }); });
  }
  function say(text, bad) { status.textContent = text; status.classList.toggle("text-danger", !!bad); }
  function progress(done, total) { bar.style.width = Math.floor(100 * done / total) + "%"; }

  function send(file, token, offset, tries) {
    if (offset >= file.size) { return Promise.resolve(); }
    var end = Math.min(offset + CHUNK, file.size);
    return fetch("/learning/uploads/" + token, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + file.size },
      body: file.slice(offset, end),
    }).then(function (r) { return r.json().then(function (d) { return { status: r.status, data: d }; }); })
      .then(function (r) {
        if (r.status === 200) { progress(r.data.received, file.size); return send(file, token, r.data.received, 0); }
        if (r.data && r.data.error && r.data.error.details && r.data.error.details.received !== undefined) {
          return send(file, token, r.data.error.details.received, tries + 1);
        }
        throw new Error(r.data && r.data.error ? r.data.error.message : "上传失败");
      }, function () {
        // network failure: ask how much arrived, then resume from there
        if (tries > 5) { throw new Error("网络中断，请稍后重试"); }
        return new Promise(function (ok) { setTimeout(ok, 1000 * (tries + 1)); })
          .then(function () { return fetch("/learning/uploads/" + token, { credentials: "same-origin" }); })
          .then(function (r) { return r.json(); })
          .then(function (d) { return send(file, token, d.received, tries + 1); });
      });
  }

  document.getElementById("upload-start").addEventListener("click", function () {
    var file = document.getElementById("upload-file").files[0];
    if (!file) { say("请选择视频文件", true); return; }
    var title = document.getElementById("upload-title").value;
    var begin = box.getAttribute("data-upload-url");
    say("正在上传…");
    form(begin, { filename: file.name, size: file.size }).then(function (r) {
      if (r.status !== 201) { throw new Error(r.data.error.message); }
      var token = r.data.token;
      return send(file, token, 0, 0).then(function () {
        say("正在分析视频…");
        return form(begin + "/" + token + "/finish", { title: title });
      });
    }).then(function (r) {
      if (r.status !== 201) { throw new Error(r.data.error.message); }
      say("上传完成");
      window.location.reload();
    }).catch(function (e) { say(e.message, true); });
  });
})();

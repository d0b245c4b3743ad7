// The course player (#12 items 2, 3): plays the video and reports heartbeats; the server
// alone decides what they earn (PR-3). A beat describes the time since the previous one:
// at a pause, the end or the page being hidden, a beat is sent at once for the time played,
// and while paused the beats say so. Another tab or device taking over answers 409.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("player-config").textContent);
  var video = document.getElementById("player-video");
  var $ = function (id) { return document.getElementById(id); };
  var session = null, seq = 0, furthest = 0, cap = 1, timer = null, check = "", stopped = false;

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: body ? JSON.stringify(body) : null,
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function show(id, on) { $(id).classList.toggle("d-none", !on); }

  function start() {
    stopped = false;
    show("player-paused", false);
    return post(config.session_url).then(function (r) {
      if (r.status !== 201) { return fail(r.data); }
      session = r.data; seq = 0;
      furthest = parseFloat(session.furthest); cap = parseFloat(session.speed_cap);
      $("player-earned").textContent = Math.floor(parseFloat(session.earned));
      if (video) {
        var resume = function () { video.currentTime = parseFloat(session.position); };
        if (video.readyState >= 1) { resume(); } else { video.addEventListener("loadedmetadata", resume, { once: true }); }
      }
      clearInterval(timer);
      timer = setInterval(function () { beat(); }, session.interval * 1000);
    });
  }

  function fail(data) {
    var message = data && data.error ? data.error.message : "网络错误";
    $("player-error").textContent = message;
    show("player-error", true);
  }

  function playing() { return !!video && !video.paused && !video.ended; }

  function beat(playedFlag) {
    if (!session || stopped) { return Promise.resolve(); }
    seq += 1;
    var body = {
      token: session.token,
      seq: seq,
      position: video ? Math.round(video.currentTime * 100) / 100 : pdfPage(),
      rate: video ? video.playbackRate : 1,
      playing: playedFlag === undefined ? (video ? playing() : true) : playedFlag,
      visible: document.visibilityState === "visible",
      check: check,
    };
    return post(config.heartbeat_url, body).then(function (r) {
      if (r.status === 409) {
        stopped = true; clearInterval(timer);
        if (video) { video.pause(); }
        show("player-paused", true);
        return;
      }
      if (r.status !== 200) { return fail(r.data); }
      var d = r.data;
      check = "";
      furthest = Math.max(furthest, parseFloat(d.furthest));
      $("player-earned").textContent = Math.floor(parseFloat(d.earned));
      if (d.seek_to !== null && video) { video.currentTime = parseFloat(d.seek_to); }
      if (d.check) { pendingCheck = d.check; show("player-check", true); if (video) { video.pause(); } }
      show("player-done", d.item_completed);
      if (d.course_completed) { show("player-course-done", true); }  // said once, kept
    });
  }

  var pendingCheck = "";
  $("player-check-answer").addEventListener("click", function () {
    check = pendingCheck; pendingCheck = "";
    show("player-check", false);
    beat(false).then(function () { if (video) { video.play(); } });
  });
  $("player-resume").addEventListener("click", function () { start(); });

  if (video) {
    // the time up to a pause or the end was playback; the time before a play was not
    video.addEventListener("pause", function () { beat(true); });
    video.addEventListener("play", function () { beat(false); });
    video.addEventListener("ratechange", function () {
      if (video.playbackRate > cap) { video.playbackRate = cap; }
    });
    video.addEventListener("seeking", function () {
      if (video.currentTime > furthest + 1) { video.currentTime = furthest; }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && playing()) { video.pause(); }
    });
  }

  // Documents (pdf.js, vendored): the page shown is the position; reading time counts.
  var pdf = null, page = 1;
  function pdfPage() { return page; }
  function render() {
    if (!pdf) { return; }
    pdf.getPage(page).then(function (p) {
      var canvas = $("player-pdf"), view = p.getViewport({ scale: 1.3 });
      canvas.width = view.width; canvas.height = view.height;
      p.render({ canvasContext: canvas.getContext("2d"), viewport: view });
      $("pdf-page").textContent = page + " / " + pdf.numPages;
    });
  }
  function turn(step) {
    if (!pdf) { return; }
    var next = Math.min(Math.max(page + step, 1), pdf.numPages);
    if (next !== page) { beat(true).then(function () { page = next; render(); }); }
  }
  if (!video && window.pdfjsLib) {
    window.pdfjsLib.GlobalWorkerOptions.workerSrc = config.pdf_worker;
    window.pdfjsLib.getDocument(config.file_url).promise.then(function (doc) {
      pdf = doc; render();
    });
    $("pdf-prev").addEventListener("click", function () { turn(-1); });
    $("pdf-next").addEventListener("click", function () { turn(1); });
  }

  start();
})();

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
  // Beats carry the play token and are answered without the browser session (ADR 0029),
  // so they no longer keep the sign-in alive: while a session runs, the player says so to
  // the site every KEEP_ALIVE ms (under the shortest idle limit a city may set, 5 minutes).
  var KEEP_ALIVE = 120 * 1000, alive = null;

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
    // No beat goes out until the new session is there: a play pressed meanwhile would
    // otherwise report under the superseded token and be paused again (409).
    session = null;
    return post(config.session_url).then(function (r) {
      if (r.status !== 201) { return fail(r.data); }
      session = r.data; seq = 0; stopped = false;
      show("player-paused", false);
      furthest = parseFloat(session.furthest); cap = parseFloat(session.speed_cap);
      $("player-earned").textContent = Math.floor(parseFloat(session.earned));
      if (video) {
        var resume = function () { video.currentTime = parseFloat(session.position); };
        if (video.readyState >= 1) { resume(); } else { video.addEventListener("loadedmetadata", resume, { once: true }); }
      }
      clearInterval(timer);
      timer = setInterval(function () { beat(); }, session.interval * 1000);
      clearInterval(alive);
      alive = setInterval(keepAlive, KEEP_ALIVE);
    });
  }

  function keepAlive() {
    if (!session || stopped) { return; }
    fetch("/api/v1/me", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { r.json().then(fail); }
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

  // Documents (pdf.js, vendored from npm and served by the platform): the page shown is the
  // position; the server counts the reading time of each page shown (PR-3).
  var pdf = null, page = 1, rendering = null;
  function pdfPage() { return page; }
  function render() {
    if (!pdf) { return; }
    var shown = page;
    pdf.getPage(shown).then(function (p) {
      var canvas = $("player-pdf");
      var width = Math.max(canvas.parentNode.clientWidth - 2, 200);
      var ratio = window.devicePixelRatio || 1;
      var view = p.getViewport({ scale: (width / p.getViewport({ scale: 1 }).width) * ratio });
      canvas.width = Math.floor(view.width); canvas.height = Math.floor(view.height);
      if (rendering) { rendering.cancel(); }
      rendering = p.render({ canvasContext: canvas.getContext("2d"), viewport: view });
      rendering.promise.catch(function () { /* cancelled by a newer page */ });
      $("pdf-page").textContent = shown + " / " + pdf.numPages;
      $("pdf-prev").disabled = shown <= 1;
      $("pdf-next").disabled = shown >= pdf.numPages;
    });
  }
  function turn(step) {
    if (!pdf) { return; }
    var next = Math.min(Math.max(page + step, 1), pdf.numPages);
    // the beat for the page being left is sent first: its time counts for it
    if (next !== page) { beat(true).then(function () { page = next; render(); }); }
  }
  function openDocument() {
    return import(config.pdf_module).then(function (pdfjsLib) {
      pdfjsLib.GlobalWorkerOptions.workerSrc = config.pdf_worker;
      return pdfjsLib.getDocument({
        url: config.file_url,
        cMapUrl: config.pdf_cmaps,
        cMapPacked: true,
        standardFontDataUrl: config.pdf_fonts,
        isEvalSupported: false,  // the pages' CSP forbids eval
      }).promise;
    }).then(function (doc) {
      pdf = doc;
      show("pdf-loading", false);
      render();
    }).catch(function () { fail({ error: { message: "文档无法打开，请刷新页面重试" } }); });
  }
  if (!video && $("player-pdf")) {
    $("pdf-prev").addEventListener("click", function () { turn(-1); });
    $("pdf-next").addEventListener("click", function () { turn(1); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight" || e.key === "PageDown") { turn(1); }
      if (e.key === "ArrowLeft" || e.key === "PageUp") { turn(-1); }
    });
    var resized = null;
    window.addEventListener("resize", function () { clearTimeout(resized); resized = setTimeout(render, 200); });
  }

  start().then(function () {
    // resume at the furthest page read
    if (!video && session) { page = Math.max(1, Math.floor(parseFloat(session.position))); }
    if (!video && $("player-pdf")) { openDocument(); }
  });
})();

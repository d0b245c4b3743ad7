// The SCORM player (civtrain.scorm, ADR 0017): the runtime API from scorm-again in this
// frame — `API` for SCORM 1.2, `API_1484_11` for 2004 — loaded with the learner's saved
// data, committing to the platform; then the package's launch page in the frame below.
// While the page is visible it tells the server every few seconds that the player is open:
// the server credits time from its own clock, never from cmi.session_time.
(function () {
  "use strict";
  var element = document.getElementById("scorm-settings");
  if (!element) return;
  var settings = JSON.parse(element.textContent);
  var headers = { "X-CSRFToken": settings.csrfToken, "X-Scorm-Session": settings.sessionKey };
  var notice = document.getElementById("scorm-notice");
  var stopped = false;

  function stop(message) {
    stopped = true;
    notice.textContent = message;
    notice.hidden = false;
  }

  var options = {
    lmsCommitUrl: settings.commitUrl,
    dataCommitFormat: "flattened",
    autocommit: true,
    autocommitSeconds: settings.keepaliveSeconds,
    xhrHeaders: headers,
    fetchMode: "same-origin",
    logLevel: 5,
  };
  var api;
  if (settings.version === "scorm2004") {
    api = new window.Scorm2004API(options);
    window.API_1484_11 = api;
  } else {
    api = new window.Scorm12API(options);
    window.API = api;
  }
  api.loadFromFlattenedJSON(settings.cmi, "");

  function keepalive() {
    if (stopped || document.visibilityState !== "visible") return;
    fetch(settings.keepaliveUrl, { method: "POST", headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) return null;
        return response.json().then(function (body) {
          stop((body && body.error && body.error.message) || settings.lostMessage);
        });
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  window.setInterval(keepalive, settings.keepaliveSeconds * 1000);
  document.addEventListener("visibilitychange", keepalive);

  document.getElementById("scorm-content").src = settings.contentUrl;
})();

// logtail.js follows a training run's output: every <pre data-logtail="URL">
// opens an EventSource on URL (server-sent events, one "data:" line per
// output line, an "end" event when the run finishes) and appends the lines,
// keeping the view at the bottom unless the reader scrolled up. A status
// element shows how many lines arrived and for how long the run has been
// followed, and a progress bar fills when the output reports progress
// ("42%", "step 3/10", "epoch 2 of 5"). A run still queued answers the
// stream with an error: it is retried a few times while it starts.
(function () {
  "use strict";
  if (window.paddockLogTail) return; // loaded once per document
  window.paddockLogTail = true;

  var maxLines = 5000;
  var retries = 30;
  var percentRE = /(\d{1,3}(?:\.\d+)?)\s*%/;
  var ofRE = /\b(\d+)\s*(?:\/|of)\s*(\d+)\b/;

  function progressOf(line) {
    var m = percentRE.exec(line);
    if (m) return Math.min(100, parseFloat(m[1]));
    m = ofRE.exec(line);
    if (m && +m[2] > 0 && +m[1] <= +m[2]) return (100 * m[1]) / m[2];
    return null;
  }

  function follow(pre) {
    if (pre.dataset.logtailOpen === "1") return;
    pre.dataset.logtailOpen = "1";
    var box = pre.closest("section") || document;
    var status = box.querySelector("[data-logtail-status]");
    var note = box.querySelector("[data-logtail-progress]");
    var bar = box.querySelector("[data-logtail-bar]");
    var active = pre.dataset.logtailActive === "true";
    var lines = 0, started = Date.now(), tries = 0, ended = false, source = null, timer = null;

    function say(text) { if (status) status.textContent = text; }
    function tick() {
      if (!note || ended) return;
      note.textContent = " · " + lines + " lines · followed for " + Math.round((Date.now() - started) / 1000) + "s";
    }
    function gone() { return !document.body.contains(pre); }
    function stop() {
      if (source) source.close();
      source = null;
      if (timer) clearInterval(timer);
    }
    function watch() {
      timer = setInterval(function () { if (gone()) stop(); else tick(); }, 1000);
    }
    function append(text) {
      var atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
      pre.appendChild(document.createTextNode(text + "\n"));
      lines++;
      while (pre.childNodes.length > maxLines) pre.removeChild(pre.firstChild);
      var p = progressOf(text);
      if (p !== null && bar) { bar.hidden = false; bar.value = p; }
      if (atBottom) pre.scrollTop = pre.scrollHeight;
      tick();
    }
    function open() {
      source = new EventSource(pre.dataset.logtail);
      source.onopen = function () { tries = 0; say("RUNNING"); };
      source.onmessage = function (e) {
        if (gone()) return stop();
        append(e.data);
      };
      source.addEventListener("end", function () {
        ended = true;
        stop();
        say("ended");
        if (note) note.textContent = " · " + lines + " lines";
        if (bar && !bar.hidden) bar.value = 100;
        pre.dataset.logtailEnded = "1";
      });
      source.onerror = function () {
        if (ended || gone()) return stop();
        if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
        stop();
        if (lines === 0 && active && tries < retries && !gone()) {
          tries++;
          say("waiting for the run to start…");
          setTimeout(function () { if (!gone()) { open(); watch(); } }, 1000);
          return;
        }
        say(lines === 0 ? "no live output on this node: the log of a finished run is the artifact paddock/output.log of its tracking run" : "stream closed");
      };
    }
    open();
    watch();
  }

  function followAll(root) {
    root = root || document;
    if (root.matches && root.matches("pre[data-logtail]")) follow(root);
    if (root.querySelectorAll) root.querySelectorAll("pre[data-logtail]").forEach(follow);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { followAll(document); });
  } else {
    followAll(document);
  }
  document.addEventListener("htmx:load", function (e) { followAll(e.target); });
})();

/* The listener page's player: one audio element for the whole book, with its chapters, speed,
   skips, a sleep timer, the position remembered per book, keyboard shortcuts, the lock screen's
   controls (Media Session) and the text read along.

   Plain script, no build step. Without it the page is still whole: the audio element plays the
   book and every file is a link. Text from the book (titles, sentences) is only ever set as
   textContent, never parsed as markup. */
(function () {
  "use strict";

  var audio = document.getElementById("book");
  var dataNode = document.getElementById("book-data");
  if (!audio || !dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var chapters = data.chapters;
  if (!chapters.length) return;
  // The whole-book files this browser can play (the M4B's AAC almost everywhere). Where none can
  // (a browser without AAC, and a site published without the book MP3), the chapters' own MP3s
  // play in turn instead: the page is never left without a player.
  var sources = (data.sources || []).filter(function (s) { return audio.canPlayType(s.type) !== ""; });
  function chaptersInTurn() {
    sources = [];
    Array.prototype.slice.call(audio.querySelectorAll("source")).forEach(function (node) {
      node.remove();
    });
    audio.src = chapters[0].file;
  }
  if (data.sources && data.sources.length && !sources.length) chaptersInTurn();

  var body = document.body;
  var $ = function (id) { return document.getElementById(id); };
  var items = Array.prototype.slice.call(document.querySelectorAll("ol.chapters li"));
  document.documentElement.classList.add("js");
  ["now", "controls", "tabs"].forEach(function (id) { $(id).hidden = false; });

  // --- storage: per book (the page's folder), and nothing breaks where storage is refused ---

  var KEY = "audiobook:" + location.pathname.replace(/index\.html?$/, "");

  function recall(name, global) {
    try { return JSON.parse(localStorage.getItem(global ? "audiobook:" + name : KEY + ":" + name)); }
    catch (e) { return null; }
  }
  function keep(name, value, global) {
    try { localStorage.setItem(global ? "audiobook:" + name : KEY + ":" + name, JSON.stringify(value)); }
    catch (e) { /* private browsing, a full quota: the page works without memory */ }
  }

  // --- the timeline ---
  // The chapter times are those of the file playing: an M4B's chapter marks run a few hundredths
  // of a second a chapter later than the MP3's, so mixing the two timelines would put the last
  // chapters of a novel seconds off. Which source the browser chose is known from currentSrc;
  // until then, the first source's marks stand in. With no whole-book file, each chapter's own
  // file plays and every chapter starts at 0 in it.

  var starts = sources.length ? sources[0].starts : null;
  var loaded = 0;  // with no whole-book file: the chapter whose file is loaded
  var pending = null;  // a seek asked for before the file could take it: {chapter, offset}

  function absolute(href) { return new URL(href, document.baseURI).href; }

  // A whole-book file that fails to play after all (canPlayType said "maybe"): the chapters in
  // turn, as where no whole-book file can play.
  var sourceNodes = audio.querySelectorAll("source");
  if (sourceNodes.length) {
    sourceNodes[sourceNodes.length - 1].addEventListener("error", function () {
      if (!sources.length) return;
      chaptersInTurn();
      starts = null;
      loaded = 0;
    });
  }

  function learnSource() {
    if (!audio.currentSrc) return;
    if (!sources.length) {
      body.dataset.source = chapters[loaded].file;
      return;
    }
    var chosen = sources[0];
    sources.forEach(function (s) { if (absolute(s.src) === audio.currentSrc) chosen = s; });
    starts = chosen.starts;
    body.dataset.source = chosen.src;
  }

  function chapterStart(i) { return starts ? starts[i] : 0; }

  // The chapter being heard (0-based). A seek to a mark may land a hair before it.
  function currentChapter() {
    if (!starts) return loaded;
    var t = audio.currentTime + 0.01, i = 0;
    while (i + 1 < starts.length && starts[i + 1] <= t) i++;
    return i;
  }

  function chapterOffset() {
    return Math.max(0, audio.currentTime - chapterStart(currentChapter()));
  }

  // Where a chapter begins in the book as the listener counts it (for "Resume at ...").
  function bookTime(i, offset) {
    if (starts) return starts[i] + offset;
    var t = 0;
    for (var k = 0; k < i; k++) t += chapters[k].seconds;
    return t + offset;
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var mm = (h && m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return (h ? h + ":" : "") + mm + ":" + ss;
  }

  function play() {
    var started = audio.play();
    if (started && started.catch) started.catch(function () { update(); });  // refused: stays paused
  }

  // Chapter I (0-based) at OFFSET seconds into it; PLAY starts it. play() is called at once, in
  // the tap that asked for it, which is what a phone's autoplay rule wants.
  function seekTo(i, offset, andPlay) {
    i = Math.max(0, Math.min(chapters.length - 1, i));
    if (!sources.length && i !== loaded) {
      loaded = i;
      audio.src = chapters[i].file;  // the element keeps its speed through defaultPlaybackRate
    }
    pending = { chapter: i, offset: offset };
    applyPending();
    if (andPlay) play();
    update();
  }

  function applyPending() {
    if (!pending || audio.readyState < 1) return;
    var target = chapterStart(pending.chapter) + pending.offset;
    if (isFinite(audio.duration)) target = Math.min(target, Math.max(0, audio.duration - 0.1));
    pending = null;
    audio.currentTime = target;
  }

  function skip(seconds) {
    if (!sources.length) {
      // A skip past a chapter file's end goes on in the next one, as in the whole book.
      var t = audio.currentTime + seconds;
      if (t < 0 && loaded > 0) return seekTo(loaded - 1, Math.max(0, chapters[loaded - 1].seconds + t), !audio.paused);
      if (t > chapters[loaded].seconds && loaded + 1 < chapters.length) return seekTo(loaded + 1, t - chapters[loaded].seconds, !audio.paused);
    }
    var end = isFinite(audio.duration) ? audio.duration : Infinity;
    audio.currentTime = Math.max(0, Math.min(end, audio.currentTime + seconds));
  }

  function previousChapter() {
    // As on a CD player: the start of this chapter, or the one before when already near it.
    var i = currentChapter();
    seekTo(chapterOffset() > 3 || i === 0 ? i : i - 1, 0, !audio.paused);
  }
  function nextChapter() {
    var i = currentChapter();
    if (i + 1 < chapters.length) seekTo(i + 1, 0, !audio.paused);
  }
  function togglePlay() { if (audio.paused) play(); else audio.pause(); }

  // --- what the page shows of the player's state ---

  var shown = -1;
  var playButton = $("play");

  function update() {
    var i = currentChapter();
    var c = chapters[i];
    if (i !== shown) {
      var before = shown;
      shown = i;
      items.forEach(function (li, k) {
        li.classList.toggle("playing", k === i);
        if (k === i) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
      });
      $("now-chapter").textContent = "Chapter " + c.index + " of " + chapters.length + ": " + c.title;
      body.dataset.chapter = c.index;
      if (before !== -1) $("announce").textContent = "Chapter " + c.index + ": " + c.title;
      mediaMetadata(c);
      if (view === "text") showText(i);
    }
    var offset = chapterOffset();
    $("now-time").textContent = clock(offset) + " / " + c.length_clock;
    var playing = !audio.paused;
    body.dataset.playing = playing ? "1" : "0";
    playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    // Mirrored for tests and for anyone inspecting the page.
    audio.dataset.readyState = audio.readyState;
    audio.dataset.currentTime = audio.currentTime.toFixed(1);
    highlight();
  }

  // --- speed, kept across visits (for every book: a listener's pace is theirs) ---

  var speed = $("speed");
  var speeds = Array.prototype.map.call(speed.options, function (o) { return o.value; });
  function setSpeed(value) {
    if (speeds.indexOf(String(value)) < 0) return;
    speed.value = String(value);
    audio.defaultPlaybackRate = audio.playbackRate = parseFloat(value);
    keep("speed", String(value), true);
  }
  speed.addEventListener("change", function () { setSpeed(speed.value); });
  function stepSpeed(step) {
    var k = speeds.indexOf(speed.value) + step;
    if (k >= 0 && k < speeds.length) {
      setSpeed(speeds[k]);
      $("announce").textContent = "Speed " + speeds[k] + "×";
    }
  }
  if (recall("speed", true)) setSpeed(recall("speed", true));
  // A new file (the next chapter's) starts at the default rate: keep the chosen one.
  audio.addEventListener("loadedmetadata", function () { audio.playbackRate = parseFloat(speed.value); });

  // --- the sleep timer: minutes of listening (paused time does not count), or the chapter's end ---

  var sleep = null;  // {left: ms} or {chapter: i}
  var sleepSelect = $("sleep"), sleepLeft = $("sleep-left");
  var lastTick = Date.now();

  sleepSelect.addEventListener("change", function () {
    var v = sleepSelect.value;
    sleep = !v ? null : v === "chapter" ? { chapter: currentChapter() } : { left: parseFloat(v) * 60000 };
    lastTick = Date.now();
    showSleep();
  });
  function showSleep() {
    sleepLeft.textContent = !sleep ? "" : sleep.chapter !== undefined
      ? "Stops at the end of chapter " + chapters[sleep.chapter].index
      : "Stops in " + clock(sleep.left / 1000);
  }
  function asleep() {
    sleep = null;
    sleepSelect.value = "";
    audio.pause();
    sleepLeft.textContent = "Sleep timer: paused";
  }
  setInterval(function () {
    var now = Date.now();
    if (sleep && sleep.left !== undefined && !audio.paused) {
      sleep.left -= now - lastTick;
      if (sleep.left <= 0) asleep(); else showSleep();
    }
    lastTick = now;
  }, 1000);
  function sleepAtChapterEnd() {
    if (!sleep || sleep.chapter === undefined || !starts || audio.seeking) return;
    var i = currentChapter();
    if (i !== sleep.chapter && !audio.paused) {
      asleep();
      audio.currentTime = chapterStart(i);  // the next chapter, from its start, when play resumes
    }
  }

  // --- the position, remembered per book and offered on return ---

  var saved = recall("position");
  var lastSave = 0;
  var offerOpen = false;

  function remember() {
    // Not while the offer stands unanswered: leaving the page then must not forget the place.
    if (audio.readyState < 1 || pending || offerOpen) return;
    var i = currentChapter();
    keep("position", { chapter: i, offset: chapterOffset(), at: Date.now() });
    lastSave = Date.now();
  }
  function resumeText() {
    var i = saved.chapter, c = chapters[i];
    return "Resume at " + clock(bookTime(i, saved.offset)) + ", chapter " + c.index + " (" + c.title + ")";
  }
  function offer() {
    if (!saved || typeof saved.chapter !== "number" || !chapters[saved.chapter]) return;
    var i = saved.chapter;
    var nearEnd = i === chapters.length - 1 && saved.offset > chapters[i].seconds - 5;
    if (bookTime(i, saved.offset) < 5 || nearEnd) return;
    $("resume-text").textContent = resumeText();
    $("resume").hidden = false;
    offerOpen = true;
  }
  function closeOffer() {
    $("resume").hidden = true;
    offerOpen = false;
  }
  $("resume-go").addEventListener("click", function () {
    closeOffer();
    seekTo(saved.chapter, saved.offset, true);
    playButton.focus();
  });
  $("resume-no").addEventListener("click", function () {
    closeOffer();
    seekTo(0, 0, false);
    playButton.focus();
  });

  // --- Media Session: the lock screen's title, chapter, cover and buttons ---

  var session = navigator.mediaSession;
  function mediaMetadata(c) {
    if (!session || typeof MediaMetadata === "undefined") return;
    session.metadata = new MediaMetadata({
      title: c.title,
      artist: data.author || "",
      album: data.title,
      artwork: data.cover ? [{ src: absolute(data.cover), sizes: "600x600", type: "image/jpeg" }] : []
    });
  }
  function positionState() {
    if (!session || !session.setPositionState || !isFinite(audio.duration)) return;
    try {
      session.setPositionState({
        duration: audio.duration, playbackRate: audio.playbackRate,
        position: Math.min(audio.currentTime, audio.duration)
      });
    } catch (e) { /* a browser that disagrees about the numbers: the lock screen goes without */ }
  }
  if (session) {
    var actions = {
      play: play,
      pause: function () { audio.pause(); },
      seekbackward: function (d) { skip(-(d && d.seekOffset || 15)); },
      seekforward: function (d) { skip(d && d.seekOffset || 30); },
      seekto: function (d) { if (d && isFinite(d.seekTime)) audio.currentTime = d.seekTime; },
      previoustrack: previousChapter,
      nexttrack: nextChapter
    };
    Object.keys(actions).forEach(function (name) {
      try { session.setActionHandler(name, actions[name]); } catch (e) { /* not supported here */ }
    });
  }

  // --- the text read along: a chapter's text fetched when it is shown ---

  var view = "chapters";
  var texts = {};  // chapter (0-based) -> a promise of its text/NN.json
  var textShown = -1;
  var sentences = [];  // the shown chapter's: {id, start, el}, in order
  var current = null;
  var textBody = $("text-body");

  function status(message) {
    var p = document.createElement("p");
    p.className = "status";
    p.textContent = message;
    textBody.replaceChildren(p);
  }

  function fetchText(i) {
    if (!texts[i]) {
      texts[i] = fetch(chapters[i].text).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
      texts[i].catch(function () { delete texts[i]; });  // asked again next time
    }
    return texts[i];
  }

  function showText(i) {
    if (textShown === i) return;
    textShown = i;
    sentences = [];
    current = null;
    body.dataset.sentence = "";
    body.dataset.textChapter = "";
    var c = chapters[i];
    if (!c.text) return status("Chapter " + c.index + " has no text.");
    status("Loading the text of chapter " + c.index + "…");
    fetchText(i).then(function (json) {
      if (textShown === i) renderText(i, json);
    }, function () {
      if (textShown === i) status("The text of chapter " + c.index + " could not be loaded" +
        (location.protocol === "file:" ? " from a folder: serve the site (audiobook serve)." : "."));
    });
  }

  function renderText(i, json) {
    var c = chapters[i];
    var heading = document.createElement("h2");  // the tab hides the list's heading, level 2
    heading.textContent = "Chapter " + c.index + ": " + c.title;
    var parts = [heading];
    (json.paragraphs || []).forEach(function (paragraph) {
      var p = document.createElement("p");
      paragraph.forEach(function (s, k) {
        var span = document.createElement("span");
        span.className = "s";
        span.id = s.id;
        span.textContent = s.text;
        span.tabIndex = -1;
        if (s.voice) span.dataset.voice = s.voice;
        span.dataset.start = s.start;
        sentences.push({ id: s.id, start: s.start, el: span });
        if (k) p.appendChild(document.createTextNode(" "));
        p.appendChild(span);
      });
      parts.push(p);
    });
    textBody.replaceChildren.apply(textBody, parts);
    if (sentences.length) sentences[0].el.tabIndex = 0;  // one stop in the tab order: the text
    body.dataset.textChapter = c.index;
    highlight(true);
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }

  // The sentence whose time has come (the last to start at or before the chapter-local time).
  function highlight(follow) {
    if (view !== "text" || !sentences.length || currentChapter() !== textShown) return;
    var local = audio.currentTime - chapterStart(textShown) + 0.001, found = null;
    for (var k = 0; k < sentences.length && sentences[k].start <= local; k++) found = sentences[k];
    if (found === current) return;
    // Followed only while the reader follows: someone who scrolled away is left where they are.
    follow = follow || !current || inView(current.el);
    if (current) {
      current.el.classList.remove("current");
      current.el.removeAttribute("aria-current");
    }
    current = found;
    body.dataset.sentence = found ? found.id : "";
    if (!found) return;
    found.el.classList.add("current");
    found.el.setAttribute("aria-current", "true");
    if (textBody.contains(document.activeElement)) return;  // the keyboard's place is kept
    sentences.forEach(function (s) { s.el.tabIndex = s === found ? 0 : -1; });
    if (follow && !inView(found.el)) {
      var smooth = !matchMedia("(prefers-reduced-motion: reduce)").matches;
      found.el.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
    }
  }

  function sentenceOf(el) {
    for (var k = 0; k < sentences.length; k++) if (sentences[k].el === el) return k;
    return -1;
  }
  textBody.addEventListener("click", function (e) {
    var k = sentenceOf(e.target.closest ? e.target.closest(".s") : null);
    if (k >= 0) seekTo(textShown, sentences[k].start, true);
  });
  textBody.addEventListener("keydown", function (e) {
    var k = sentenceOf(document.activeElement);
    if (k < 0) return;
    var to = e.key === "ArrowDown" ? k + 1 : e.key === "ArrowUp" ? k - 1 : -2;
    if (to >= 0 && to < sentences.length) {
      sentences[k].el.tabIndex = -1;
      sentences[to].el.tabIndex = 0;
      sentences[to].el.focus();
    } else if (e.key === "Enter" || e.key === " ") {
      seekTo(textShown, sentences[k].start, true);
    } else if (to === -2) {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  });

  // --- the two views: chapters and text (tabs, arrow keys between them) ---

  var tabs = [$("tab-chapters"), $("tab-text")];
  function show(name) {
    view = name;
    body.dataset.view = name;
    tabs.forEach(function (tab) {
      var on = tab.getAttribute("aria-controls") === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
    });
    if (name === "text") {
      textShown = -1;
      showText(currentChapter());
    }
  }
  tabs.forEach(function (tab, k) {
    tab.addEventListener("click", function () { show(tab.getAttribute("aria-controls")); });
    tab.addEventListener("keydown", function (e) {
      var to = { ArrowLeft: k - 1, ArrowRight: k + 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      to = (to + tabs.length) % tabs.length;
      tabs[to].focus();
      show(tabs[to].getAttribute("aria-controls"));
      e.preventDefault();
      e.stopPropagation();
    });
  });

  // --- the controls ---

  playButton.addEventListener("click", togglePlay);
  $("back").addEventListener("click", function () { skip(-15); });
  $("forward").addEventListener("click", function () { skip(30); });
  $("prev").addEventListener("click", previousChapter);
  $("next").addEventListener("click", nextChapter);

  items.forEach(function (li, i) {
    li.querySelector("a.seek").addEventListener("click", function (e) {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;  // open the file, as asked
      e.preventDefault();
      seekTo(i, 0, true);
    });
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target, tag = t.tagName;
    // Fields and the audio element's own controls keep their keys; a button keeps Space.
    if (/^(INPUT|SELECT|TEXTAREA|AUDIO|VIDEO)$/.test(tag) || t.isContentEditable) return;
    var onControl = /^(BUTTON|A|SUMMARY)$/.test(tag);
    var key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    var action = {
      " ": onControl ? null : togglePlay, k: togglePlay,
      j: function () { skip(-15); }, ArrowLeft: function () { skip(-15); },
      l: function () { skip(30); }, ArrowRight: function () { skip(30); },
      p: previousChapter, n: nextChapter,
      "<": function () { stepSpeed(-1); }, ">": function () { stepSpeed(1); },
      t: function () { show(view === "text" ? "chapters" : "text"); }
    }[key];
    if (!action) return;
    e.preventDefault();
    action();
  });

  // --- one element plays at a time: on this page, and across this browser's tabs ---

  document.addEventListener("play", function (e) {
    document.querySelectorAll("audio, video").forEach(function (m) { if (m !== e.target) m.pause(); });
  }, true);
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("audiobook-player") : null;
  var me = Math.random().toString(36).slice(2);
  if (channel) channel.onmessage = function (e) { if (e.data !== me) audio.pause(); };

  // --- the element's events ---

  audio.addEventListener("loadstart", learnSource);
  audio.addEventListener("loadedmetadata", function () {
    learnSource();
    applyPending();
    if (offerOpen) $("resume-text").textContent = resumeText();  // in the chosen file's times
    update();
    positionState();
  });
  audio.addEventListener("timeupdate", function () {
    sleepAtChapterEnd();
    update();
    if (!audio.paused && Date.now() - lastSave > 5000) remember();
  });
  audio.addEventListener("play", function () {
    if (channel) channel.postMessage(me);
    update();
  });
  // Playing from anywhere answers the offer: the position it offered is no longer the place.
  audio.addEventListener("playing", function () { closeOffer(); update(); });
  audio.addEventListener("pause", function () { remember(); update(); });
  // A listener who moves elsewhere is stopped at the end of the chapter they moved to.
  audio.addEventListener("seeking", function () {
    if (sleep && sleep.chapter !== undefined) {
      sleep.chapter = currentChapter();
      showSleep();
    }
  });
  audio.addEventListener("seeked", function () { update(); positionState(); if (audio.paused) remember(); });
  audio.addEventListener("ratechange", function () {
    if (speeds.indexOf(String(audio.playbackRate)) >= 0) speed.value = String(audio.playbackRate);
    positionState();
  });
  audio.addEventListener("durationchange", positionState);
  audio.addEventListener("ended", function () {
    if (!sources.length && loaded + 1 < chapters.length) {
      var stop = sleep && sleep.chapter !== undefined;
      if (stop) asleep();
      seekTo(loaded + 1, 0, !stop);
    } else if (sources.length || loaded + 1 === chapters.length) {
      keep("position", null);  // the book is over: nothing to resume
    }
  });
  window.addEventListener("pagehide", remember);

  // index.html#chapter-3 opens at chapter 3 (as a link from elsewhere, or a shared one).
  function fromHash() {
    var m = /^#chapter-(\d+)$/.exec(location.hash);
    if (!m) return false;
    for (var i = 0; i < chapters.length; i++) {
      if (String(chapters[i].index) === m[1]) { seekTo(i, 0, false); return true; }
    }
    return false;
  }
  window.addEventListener("hashchange", fromHash);

  learnSource();
  fromHash();
  offer();
  update();
  body.dataset.ready = "1";
})();

// Listen-aloud: a lesson's recording when it has one, else the phone's own voice.
(function () {
  var synth = window.speechSynthesis;

  function setUp(box) {
    var sel = box.dataset.target;
    var target = box.closest(sel) || document.querySelector(sel);
    var audio = target && target.querySelector("audio");
    if (!target || (!audio && !synth)) return;
    var pause = box.querySelector("[data-listen-pause]");
    var rate = box.querySelector("[data-listen-rate]");
    var msg = box.querySelector("[data-listen-msg]");
    var lang = box.dataset.lang;
    var paused = false;
    box.hidden = false;

    function hasVoice() {
      var voices = synth.getVoices();
      var base = lang.slice(0, 2).toLowerCase();
      // An empty list may only mean the voices are still loading: try to speak anyway.
      return !voices.length || voices.some(function (v) {
        return v.lang.toLowerCase().slice(0, 2) === base;
      });
    }

    function text() {
      // innerText skips what is hidden (a closed trainer note); the controls are hidden
      // for the moment so their own labels are not read out.
      box.hidden = true;
      var t = target.innerText;
      box.hidden = false;
      return t;
    }

    function speak() {
      msg.textContent = "";
      paused = false;
      pause.textContent = box.dataset.pause;
      if (audio) {
        audio.playbackRate = Number(rate.value);
        audio.play();
      } else if (!hasVoice()) {
        msg.textContent = box.dataset.noVoice;
        return;
      } else {
        synth.cancel();
        var u = new SpeechSynthesisUtterance(text());
        u.lang = lang;
        u.rate = Number(rate.value);
        synth.speak(u);
      }
      pause.hidden = false;
    }

    box.querySelector("[data-listen-play]").addEventListener("click", speak);
    pause.addEventListener("click", function () {
      paused = !paused;
      if (audio) paused ? audio.pause() : audio.play();
      else paused ? synth.pause() : synth.resume();
      pause.textContent = paused ? box.dataset.resume : box.dataset.pause;
    });
    rate.addEventListener("change", function () {
      if (audio) audio.playbackRate = Number(rate.value);
      // An utterance keeps the rate it started with: start again at the new speed.
      else if (synth.speaking && !paused) speak();
    });
  }

  document.querySelectorAll("[data-listen]").forEach(setUp);
})();

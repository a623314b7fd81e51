// Check-in: where the phone's browser can read QR codes (BarcodeDetector), a button opens
// the camera and a code it sees is sent as if typed. Without it, the typed form works alone.
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  var form = document.getElementById("checkin-form");
  if (!box || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  var detector;
  try {
    detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  } catch (e) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary";
  button.textContent = box.dataset.label;
  var video = document.createElement("video");
  video.setAttribute("playsinline", "");
  video.muted = true;
  video.hidden = true;
  box.appendChild(button);
  box.appendChild(video);
  box.hidden = false;
  var stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    video.hidden = true;
    button.textContent = box.dataset.label;
  }

  function look() {
    if (!stream) {
      return;
    }
    detector.detect(video).then(function (codes) {
      var code = codes.length ? codes[0].rawValue : "";
      if (code) {
        stop();
        form.elements.code.value = code;
        form.submit();
      } else {
        window.requestAnimationFrame(look);
      }
    }, function () {
      window.setTimeout(look, 300);
    });
  }

  button.addEventListener("click", function () {
    if (stream) {
      stop();
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      button.textContent = box.dataset.stop;
      return video.play().then(look);
    }, function () {
      stop();
    });
  });
})();
